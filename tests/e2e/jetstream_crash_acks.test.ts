/**
 * Crash test for consumer state and deletions: acknowledged acks (double acks, confirmed by the
 * server) and acknowledged message deletions survive SIGKILL. nats-server 2.9.10 comes back from
 * SIGKILL with ack floors reset and deleted messages restored, so this runs against Skiff only.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { isReference, startServer } from "../_helpers/server.ts";

Deno.test({
  name: "jetstream crash: confirmed acks and deletions survive SIGKILL",
  ignore: isReference(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "skiff-crash-acks-" });
    try {
      let srv = await startServer(["-js", "-sd", dir]);
      let nc = await connect({ servers: srv.url, reconnect: false });
      let jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "ACKS", subjects: ["acks.>"] });
      const js = jetstream(nc);
      for (let i = 1; i <= 100; i++) await js.publish(`acks.${i}`, `m${i}`);
      await jsm.consumers.add("ACKS", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
      const consumer = await js.consumers.get("ACKS", "worker");
      const batch = await consumer.fetch({ max_messages: 60, expires: 5000 });
      let acked = 0;
      for await (const m of batch) {
        // A double ack: resolves once the server has processed (and stored) the ack.
        await m.ackAck();
        if (++acked === 60) break;
      }
      assert.equal(acked, 60);
      assert.equal(await jsm.streams.deleteMessage("ACKS", 80), true);

      srv.kill("SIGKILL");
      await srv.exited;
      await nc.close().catch(() => {});

      srv = await startServer(["-js", "-sd", dir]);
      nc = await connect({ servers: srv.url });
      try {
        jsm = await jetstreamManager(nc);
        const info = await jsm.consumers.info("ACKS", "worker");
        assert.equal(info.ack_floor.stream_seq, 60, "the ack floor survived");
        assert.equal(info.num_ack_pending, 0);
        assert.equal(info.num_pending, 39, "61..100 without the deleted 80");
        assert.equal(await jsm.streams.getMessage("ACKS", { seq: 80 }), null, "80 stays deleted");
        const next = await (await jetstream(nc).consumers.get("ACKS", "worker")).next({
          expires: 5000,
        });
        assert.equal(next?.seq, 61, "delivery resumes after the ack floor");
        next?.ack();
      } finally {
        await nc.close();
        await srv.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
