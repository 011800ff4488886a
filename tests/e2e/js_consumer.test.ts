/**
 * JetStream consumers through the official client (@nats-io/jetstream): pull fetch / next /
 * consume, ordered consumers, push consumers with flow control and heartbeats, NAK and
 * redelivery, max_deliver and TERM advisories, work-queue and interest retention, the consumer
 * API's errors, and durable state across a restart. Green on nats-server 2.9.10 and on Skiff.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { type ServerProcess, startServer } from "../_helpers/server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const MS = 1_000_000;

interface Ctx {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  srv: ServerProcess;
  dir: string;
}

async function withJs(body: (c: Ctx) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "skiff-jsc-" });
  const srv = await startServer(["-js", "-sd", dir]);
  const nc = await connect({ servers: srv.url });
  try {
    await body({ nc, js: jetstream(nc), jsm: await jetstreamManager(nc), srv, dir });
  } finally {
    await nc.close();
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function fill(c: Ctx, stream: string, subjects: string[], n: number): Promise<void> {
  await c.jsm.streams.add({ name: stream, subjects });
  for (let i = 1; i <= n; i++) await c.js.publish(subjects[0].replace(">", String(i)), `m${i}`);
}

async function api(nc: NatsConnection, subject: string, body: unknown) {
  const m = await nc.request(subject, enc.encode(JSON.stringify(body)), { timeout: 5000 });
  return JSON.parse(dec.decode(m.data));
}

Deno.test("consumers: pull fetch delivers in order; acks move the ack floor", async () => {
  await withJs(async (c) => {
    await fill(c, "O", ["o.>"], 10);
    await c.jsm.consumers.add("O", { durable_name: "C", ack_policy: AckPolicy.Explicit });
    const consumer = await c.js.consumers.get("O", "C");
    const got: string[] = [];
    const iter = await consumer.fetch({ max_messages: 5, expires: 2000 });
    for await (const m of iter) {
      got.push(m.string());
      await m.ackAck();
    }
    assert.deepEqual(got, ["m1", "m2", "m3", "m4", "m5"]);
    const info = await consumer.info();
    assert.equal(info.delivered.stream_seq, 5);
    assert.equal(info.ack_floor.stream_seq, 5);
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_pending, 5);
    assert.equal(info.config.ack_wait, 30_000 * MS);
    assert.equal(info.config.max_ack_pending, 1000);
  });
});

Deno.test("consumers: next() returns null when nothing arrives before expires", async () => {
  await withJs(async (c) => {
    await c.jsm.streams.add({ name: "E", subjects: ["e"] });
    await c.jsm.consumers.add("E", { durable_name: "C", ack_policy: AckPolicy.Explicit });
    const consumer = await c.js.consumers.get("E", "C");
    assert.equal(await consumer.next({ expires: 1000 }), null);
    await c.js.publish("e", "late");
    const m = await consumer.next({ expires: 2000 });
    assert.equal(m?.string(), "late");
    assert.equal(m?.info.pending, 0);
    m?.ack();
  });
});

Deno.test("consumers: consume() keeps delivering what is published", async () => {
  await withJs(async (c) => {
    await fill(c, "L", ["l.>"], 3);
    await c.jsm.consumers.add("L", { durable_name: "C", ack_policy: AckPolicy.Explicit });
    const consumer = await c.js.consumers.get("L", "C");
    const msgs = await consumer.consume({ max_messages: 4, expires: 2000 });
    const got: string[] = [];
    const done = (async () => {
      for await (const m of msgs) {
        got.push(m.string());
        m.ack();
        if (got.length === 8) break;
      }
    })();
    for (let i = 4; i <= 8; i++) await c.js.publish(`l.${i}`, `m${i}`);
    await done;
    assert.deepEqual(got, ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]);
  });
});

Deno.test("consumers: an ordered consumer reads the stream with a filter", async () => {
  await withJs(async (c) => {
    await c.jsm.streams.add({ name: "R", subjects: ["r.*"] });
    for (let i = 0; i < 6; i++) await c.js.publish(i % 2 === 0 ? "r.a" : "r.b", `v${i}`);
    const consumer = await c.js.consumers.get("R", { filter_subjects: "r.a" });
    const got: string[] = [];
    const iter = await consumer.fetch({ max_messages: 3, expires: 2000 });
    for await (const m of iter) got.push(m.string());
    assert.deepEqual(got, ["v0", "v2", "v4"]);
  });
});

Deno.test("consumers: a push consumer with flow control and heartbeats", async () => {
  await withJs(async (c) => {
    await fill(c, "P", ["p.>"], 20);
    await c.jsm.consumers.add("P", {
      durable_name: "PUSH",
      ack_policy: AckPolicy.Explicit,
      deliver_subject: "push.in",
      flow_control: true,
      idle_heartbeat: 1000 * MS,
    });
    const consumer = await c.js.consumers.getPushConsumer("P", "PUSH");
    const msgs = await consumer.consume();
    const got: number[] = [];
    for await (const m of msgs) {
      got.push(m.seq);
      m.ack();
      if (got.length === 20) break;
    }
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

Deno.test("consumers: -NAK redelivers with a higher delivery count", async () => {
  await withJs(async (c) => {
    await fill(c, "N", ["n.>"], 1);
    await c.jsm.consumers.add("N", { durable_name: "C", ack_policy: AckPolicy.Explicit });
    const consumer = await c.js.consumers.get("N", "C");
    const first = (await consumer.next({ expires: 2000 }))!;
    assert.equal(first.info.deliveryCount, 1);
    first.nak();
    const again = (await consumer.next({ expires: 2000 }))!;
    assert.equal(again.seq, 1);
    assert.equal(again.info.deliveryCount, 2);
    assert.equal(again.redelivered, true);
    await again.ackAck();
    const info = await consumer.info();
    assert.equal(info.num_redelivered, 0);
    assert.equal(info.ack_floor.stream_seq, 1);
  });
});

Deno.test("consumers: max_deliver ends redelivery with an advisory", async () => {
  await withJs(async (c) => {
    await fill(c, "M", ["m.>"], 1);
    const adv = c.nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.M.C", { max: 1 });
    await c.jsm.consumers.add("M", {
      durable_name: "C",
      ack_policy: AckPolicy.Explicit,
      ack_wait: 300 * MS,
      max_deliver: 2,
    });
    const consumer = await c.js.consumers.get("M", "C");
    const seen: number[] = [];
    const iter = await consumer.fetch({ max_messages: 3, expires: 2000 });
    for await (const m of iter) seen.push(m.info.deliveryCount);
    assert.deepEqual(seen, [1, 2]);
    for await (const m of adv) {
      const body = JSON.parse(m.string());
      assert.equal(body.type, "io.nats.jetstream.advisory.v1.max_deliver");
      assert.equal(body.stream_seq, 1);
      assert.equal(body.deliveries, 2);
    }
  });
});

Deno.test("consumers: +TERM stops redelivery and sends MSG_TERMINATED", async () => {
  await withJs(async (c) => {
    await fill(c, "T", ["t.>"], 2);
    const adv = c.nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.T.C", { max: 1 });
    await c.jsm.consumers.add("T", {
      durable_name: "C",
      ack_policy: AckPolicy.Explicit,
      ack_wait: 300 * MS,
    });
    const consumer = await c.js.consumers.get("T", "C");
    const m = (await consumer.next({ expires: 2000 }))!;
    m.term();
    for await (const a of adv) assert.equal(JSON.parse(a.string()).stream_seq, 1);
    const next = (await consumer.next({ expires: 2000 }))!;
    assert.equal(next.seq, 2);
    await next.ackAck();
    const info = await consumer.info();
    assert.equal(info.ack_floor.stream_seq, 2);
  });
});

Deno.test("consumers: a work queue drops each message once it is acked", async () => {
  await withJs(async (c) => {
    await c.jsm.streams.add({ name: "W", subjects: ["w.>"], retention: "workqueue" });
    for (let i = 1; i <= 4; i++) await c.js.publish("w.job", `j${i}`);
    await c.jsm.consumers.add("W", { durable_name: "C", ack_policy: AckPolicy.Explicit });
    const consumer = await c.js.consumers.get("W", "C");
    const iter = await consumer.fetch({ max_messages: 4, expires: 2000 });
    for await (const m of iter) await m.ackAck();
    let msgs = -1;
    for (let i = 0; i < 50 && msgs !== 0; i++) {
      msgs = (await c.jsm.streams.info("W")).state.messages;
      if (msgs !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(msgs, 0);
    const second = await api(c.nc, "$JS.API.CONSUMER.CREATE.W.D", {
      stream_name: "W",
      config: { durable_name: "D", ack_policy: "explicit" },
    });
    assert.equal(second.error?.err_code, 10099);
  });
});

Deno.test("consumers: API errors carry nats-server's err_codes", async () => {
  await withJs(async (c) => {
    await c.jsm.streams.add({ name: "A", subjects: ["a.>"] });
    const create = (subject: string, config: unknown, stream = "A") =>
      api(c.nc, `$JS.API.${subject}`, { stream_name: stream, config });
    assert.equal((await create("CONSUMER.CREATE.A", { durable_name: "X" })).error.err_code, 10020);
    assert.equal(
      (await create("CONSUMER.CREATE.A.X.a.b", { filter_subject: "a.c" })).error.err_code,
      10131,
    );
    assert.equal((await create("CONSUMER.CREATE.A.X", {}, "B")).error.err_code, 10056);
    assert.equal(
      (await create("CONSUMER.CREATE.A.X", {
        ack_policy: "none",
        deliver_subject: "d",
        max_ack_pending: 5,
      }))
        .error.err_code,
      10082,
    );
    assert.equal(
      (await create("CONSUMER.CREATE.A.X", { deliver_policy: "by_start_sequence" })).error
        .err_code,
      10094,
    );
    const info = await api(c.nc, "$JS.API.CONSUMER.INFO.A.NOPE", {});
    assert.equal(info.error.err_code, 10014);
    const ok = await create("CONSUMER.CREATE.A.Y", { ack_policy: "explicit" });
    assert.equal(ok.name, "Y");
    assert.equal(ok.config.inactive_threshold, 5_000 * MS);
    const names = await api(c.nc, "$JS.API.CONSUMER.NAMES.A", {});
    assert.deepEqual(names.consumers, ["Y"]);
  });
});

Deno.test("consumers: deliver policies last, new and by_start_sequence", async () => {
  await withJs(async (c) => {
    await fill(c, "D", ["d.>"], 5);
    const first = async (name: string, cfg: Record<string, unknown>) => {
      await c.jsm.consumers.add("D", { durable_name: name, ack_policy: AckPolicy.None, ...cfg });
      const m = await (await c.js.consumers.get("D", name)).next({ expires: 1000 });
      return m?.seq ?? null;
    };
    assert.equal(await first("last", { deliver_policy: DeliverPolicy.Last }), 5);
    assert.equal(await first("new", { deliver_policy: DeliverPolicy.New }), null);
    assert.equal(
      await first("seq", { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 3 }),
      3,
    );
  });
});

Deno.test("consumers: a durable consumer's acks and pending survive a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-jsc-" });
  try {
    let srv = await startServer(["-js", "-sd", dir]);
    let nc = await connect({ servers: srv.url });
    let js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "K", subjects: ["k.>"] });
    for (let i = 1; i <= 6; i++) await js.publish(`k.${i}`, `m${i}`);
    await jsm.consumers.add("K", { durable_name: "C", ack_policy: AckPolicy.Explicit });
    let consumer = await js.consumers.get("K", "C");
    const got: JsMsg[] = [];
    for await (const m of await consumer.fetch({ max_messages: 4, expires: 2000 })) got.push(m);
    await got[0].ackAck();
    await got[1].ackAck();
    await nc.close();
    await srv.stop();

    srv = await startServer(["-js", "-sd", dir]);
    nc = await connect({ servers: srv.url });
    try {
      js = jetstream(nc);
      consumer = await js.consumers.get("K", "C");
      const info = await consumer.info();
      assert.equal(info.ack_floor.stream_seq, 2);
      assert.equal(info.delivered.stream_seq, 4);
      const next = (await consumer.next({ expires: 2000 }))!;
      assert.equal(next.seq, 5);
    } finally {
      await nc.close();
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
