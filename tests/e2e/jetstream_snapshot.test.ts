/**
 * Stream snapshot and restore (`$JS.API.STREAM.SNAPSHOT.*` / `$JS.API.STREAM.RESTORE.*`) over
 * the raw wire flow the `nats` CLI uses: chunks to a deliver subject with
 * `$JS.SNAPSHOT.ACK.…` replies and an empty end message; restore chunks to the returned
 * deliver subject, each acknowledged, an empty one answered with the stream. The payload is
 * each server's own format, so a round trip runs against either server; only the check of
 * Skiff's format is Skiff-only.
 */

import assert from "node:assert/strict";
import { connect, headers, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { isReference, startServer } from "../_helpers/server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface ApiReply {
  type?: string;
  error?: { code: number; err_code: number; description: string };
  deliver_subject?: string;
  config?: { name: string; subjects: string[] };
  state?: {
    messages: number;
    first_seq: number;
    last_seq: number;
    num_deleted?: number;
    consumer_count: number;
  };
}

async function withJs(body: (nc: NatsConnection) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "skiff-snap-" });
  const srv = await startServer(["-js", "-sd", dir]);
  const nc = await connect({ servers: srv.url });
  try {
    await body(nc);
  } finally {
    await nc.close();
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function api(nc: NatsConnection, subject: string, body: string): Promise<ApiReply> {
  const m = await nc.request(subject, enc.encode(body), { timeout: 5000 });
  return JSON.parse(dec.decode(m.data));
}

interface Snapshot {
  response: ApiReply;
  chunks: Uint8Array[];
  replies: string[];
}

/** Takes a snapshot the way the `nats` CLI does: acks every chunk, stops at the empty one. */
async function snapshot(nc: NatsConnection, stream: string, chunkSize = 512): Promise<Snapshot> {
  const inbox = `snap.${stream}.${Math.random().toString(36).slice(2)}`;
  const chunks: Uint8Array[] = [];
  const replies: string[] = [];
  const sub = nc.subscribe(inbox);
  const done = (async () => {
    for await (const m of sub) {
      replies.push(m.reply ?? "");
      if (m.data.length === 0) break;
      chunks.push(m.data);
      m.respond();
    }
  })();
  const response = await api(
    nc,
    `$JS.API.STREAM.SNAPSHOT.${stream}`,
    JSON.stringify({ deliver_subject: inbox, chunk_size: chunkSize }),
  );
  assert.equal(response.error, undefined, JSON.stringify(response.error));
  await Promise.race([
    done,
    new Promise((_, reject) => setTimeout(() => reject(new Error("snapshot stalled")), 10_000)),
  ]);
  return { response, chunks, replies };
}

/** Uploads a snapshot: each chunk as a request (acked), then the empty end chunk. */
async function restore(
  nc: NatsConnection,
  stream: string,
  config: unknown,
  chunks: Uint8Array[],
): Promise<ApiReply> {
  const r = await api(nc, `$JS.API.STREAM.RESTORE.${stream}`, JSON.stringify({ config }));
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.equal(r.type, "io.nats.jetstream.api.v1.stream_restore_response");
  const to = r.deliver_subject!;
  assert.match(to, new RegExp(`^\\$JS\\.SNAPSHOT\\.RESTORE\\.${stream}\\.`));
  for (const c of chunks) {
    const ack: Msg = await nc.request(to, c, { timeout: 5000 });
    assert.equal(ack.data.length, 0, "a chunk is acked with an empty message");
  }
  const fin = await nc.request(to, new Uint8Array(0), { timeout: 10_000 });
  return JSON.parse(dec.decode(fin.data));
}

Deno.test("snapshot: round trip keeps messages, sequence gaps and the consumer's acks", async () => {
  await withJs(async (nc) => {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: "BACK", subjects: ["back.>"] });
    for (let i = 1; i <= 12; i++) {
      const h = headers();
      h.set("X-N", String(i));
      await js.publish(`back.${i % 3}`, enc.encode(`msg-${i}`), { headers: h });
    }
    await jsm.streams.purge("BACK", { seq: 3 }); // first_seq 3
    await jsm.streams.deleteMessage("BACK", 5);
    await jsm.streams.deleteMessage("BACK", 6);
    await jsm.streams.deleteMessage("BACK", 12); // the last one: last_seq stays 12
    await jsm.consumers.add("BACK", {
      durable_name: "WORK",
      ack_policy: AckPolicy.Explicit,
      ack_wait: 30_000_000_000,
    });
    const c = await js.consumers.get("BACK", "WORK");
    const got = await c.fetch({ max_messages: 4, expires: 2000 });
    const seqs: number[] = [];
    for await (const m of got) {
      seqs.push(m.seq);
      if (m.seq !== 8) await m.ackAck(); // 8 stays pending
    }
    assert.deepEqual(seqs, [3, 4, 7, 8]);
    const before = await jsm.streams.info("BACK");
    const cBefore = await jsm.consumers.info("BACK", "WORK");
    assert.equal(cBefore.ack_floor.stream_seq, 7);

    const snap = await snapshot(nc, "BACK");
    assert.equal(snap.response.type, "io.nats.jetstream.api.v1.stream_snapshot_response");
    assert.equal(snap.response.config?.name, "BACK");
    assert.equal(snap.response.state?.messages, 7);
    assert.ok(snap.chunks.length >= 1);
    // Chunk replies: $JS.SNAPSHOT.ACK.<stream>.<id>.<bytes>.<index>; the end has none.
    snap.chunks.forEach((chunk, i) => {
      const t = snap.replies[i].split(".");
      assert.deepEqual(t.slice(0, 4), ["$JS", "SNAPSHOT", "ACK", "BACK"]);
      assert.equal(Number(t[5]), chunk.length);
      assert.equal(Number(t[6]), i + 1);
    });
    assert.equal(snap.replies.at(-1), "");

    await jsm.streams.delete("BACK");
    const fin = await restore(nc, "BACK", snap.response.config, snap.chunks);
    assert.equal(fin.error, undefined, JSON.stringify(fin.error));
    assert.equal(fin.type, "io.nats.jetstream.api.v1.stream_create_response");
    assert.equal(fin.config?.name, "BACK");
    assert.equal(fin.state?.messages, 7);
    assert.equal(fin.state?.first_seq, 3);
    assert.equal(fin.state?.last_seq, 12);

    const after = await jsm.streams.info("BACK");
    assert.equal(after.state.messages, before.state.messages);
    assert.equal(after.state.first_seq, before.state.first_seq);
    assert.equal(after.state.last_seq, before.state.last_seq);
    assert.equal(after.state.num_deleted, before.state.num_deleted);
    assert.equal(after.state.first_ts, before.state.first_ts);
    for (const seq of [3, 4, 7, 8, 11]) {
      const m = await jsm.streams.getMessage("BACK", { seq });
      assert.ok(m, `message ${seq}`);
      assert.equal(dec.decode(m.data), `msg-${seq}`);
      assert.equal(m.subject, `back.${seq % 3}`);
      assert.equal(m.header.get("X-N"), String(seq));
    }
    const gone = await jsm.streams.getMessage("BACK", { seq: 5 }).catch(() => null);
    assert.equal(gone, null, "deleted messages stay deleted");

    const cAfter = await jsm.consumers.info("BACK", "WORK");
    assert.equal(cAfter.ack_floor.stream_seq, 7);
    assert.equal(cAfter.delivered.stream_seq, 8);
    assert.equal(cAfter.num_ack_pending, 1);
    assert.equal(cAfter.num_pending, 3); // 9, 10, 11

    // The restored stream takes new messages after its last sequence, the consumer resumes.
    const ack = await js.publish("back.x", enc.encode("new"));
    assert.equal(ack.seq, 13);
    const c2 = await js.consumers.get("BACK", "WORK");
    const next = await c2.next({ expires: 2000 });
    assert.equal(next?.seq, 9);
  });
});

Deno.test("snapshot: no_consumers and an empty (purged) stream", async () => {
  await withJs(async (nc) => {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    await jsm.streams.add({ name: "EMPTY", subjects: ["empty.>"] });
    for (let i = 0; i < 4; i++) await js.publish("empty.a", enc.encode("x"));
    await jsm.streams.purge("EMPTY");
    await jsm.consumers.add("EMPTY", { durable_name: "D", ack_policy: AckPolicy.Explicit });
    const inbox = "snap.empty";
    const chunks: Uint8Array[] = [];
    const sub = nc.subscribe(inbox);
    const done = (async () => {
      for await (const m of sub) {
        if (m.data.length === 0) break;
        chunks.push(m.data);
        m.respond();
      }
    })();
    const r = await api(
      nc,
      "$JS.API.STREAM.SNAPSHOT.EMPTY",
      JSON.stringify({ deliver_subject: inbox, no_consumers: true }),
    );
    assert.equal(r.error, undefined);
    await done;
    await jsm.streams.delete("EMPTY");
    const fin = await restore(nc, "EMPTY", r.config, chunks);
    assert.equal(fin.error, undefined, JSON.stringify(fin.error));
    const si = await jsm.streams.info("EMPTY");
    assert.equal(si.state.messages, 0);
    assert.equal(si.state.last_seq, 4);
    assert.equal(si.state.first_seq, 5);
    assert.equal(si.state.consumer_count, 0);
    assert.equal((await js.publish("empty.a", enc.encode("y"))).seq, 5);
  });
});

Deno.test("snapshot: bad requests get nats-server's errors", async () => {
  await withJs(async (nc) => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "S", subjects: ["s.>"] });
    const snap = (stream: string, body: string) =>
      api(nc, `$JS.API.STREAM.SNAPSHOT.${stream}`, body);
    const rest = (stream: string, body: string) =>
      api(nc, `$JS.API.STREAM.RESTORE.${stream}`, body);

    let r = await snap("S", "");
    assert.equal(r.type, "io.nats.jetstream.api.v1.stream_snapshot_response");
    assert.equal(r.error?.err_code, 10003);
    r = await snap("S", "{}");
    assert.equal(r.error?.err_code, 10003);
    r = await snap("S", JSON.stringify({ chunk_size: 1024 }));
    assert.deepEqual(r.error, {
      code: 400,
      err_code: 10015,
      description: "deliver subject not valid",
    });
    r = await snap("NOPE", JSON.stringify({ deliver_subject: "x.y" }));
    assert.deepEqual(r.error, { code: 404, err_code: 10059, description: "stream not found" });
    r = await snap("S", "{x");
    assert.equal(r.error?.err_code, 10025);

    r = await rest("S", "");
    assert.equal(r.type, "io.nats.jetstream.api.v1.stream_restore_response");
    assert.equal(r.error?.err_code, 10003);
    r = await rest("S", JSON.stringify({ config: { name: "S", subjects: ["s.>"] }, state: {} }));
    assert.deepEqual(r.error, {
      code: 400,
      err_code: 10130,
      description: "stream name already in use, cannot restore",
    });

    // An upload that is not a snapshot fails at its end with a restore error.
    const up = await rest("T", JSON.stringify({ config: { name: "T", subjects: ["t.>"] } }));
    assert.equal(up.error, undefined);
    const ack = await nc.request(up.deliver_subject!, enc.encode("garbage"), { timeout: 5000 });
    assert.equal(ack.data.length, 0);
    const fin = await nc.request(up.deliver_subject!, new Uint8Array(0), { timeout: 5000 });
    const body = JSON.parse(dec.decode(fin.data)) as ApiReply;
    assert.equal(body.type, "io.nats.jetstream.api.v1.stream_create_response");
    assert.equal(body.error?.code, 500);
    assert.equal(body.error?.err_code, 10062);
    assert.match(body.error!.description, /^restore failed: /);
    await assert.rejects(jsm.streams.info("T"));
  });
});

Deno.test({
  name: "snapshot: Skiff's payload is self-describing JSON lines",
  ignore: isReference(),
  fn: async () => {
    await withJs(async (nc) => {
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc);
      await jsm.streams.add({ name: "FMT", subjects: ["fmt"] });
      await js.publish("fmt", enc.encode("hello"));
      const snap = await snapshot(nc, "FMT", 1 << 20);
      const lines = dec.decode(snap.chunks[0]).trim().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines[0].skiff_snapshot, 1);
      assert.equal(lines[0].config.name, "FMT");
      assert.equal(lines[1].msg[0], 1);
      assert.equal(lines[1].msg[2], "fmt");
      assert.deepEqual(lines.at(-1), { end: { msgs: 1, consumers: 0 } });

      // A truncated upload is refused, not restored short.
      await jsm.streams.delete("FMT");
      const cut = snap.chunks[0].subarray(0, snap.chunks[0].lastIndexOf(0x7b)); // drop the end
      const fin = await restore(nc, "FMT", snap.response.config, [cut]);
      assert.equal(fin.error?.err_code, 10062);
      assert.match(fin.error!.description, /truncated|incomplete|not valid/);
    });
  },
});
