/**
 * JetStream streams through the official clients: the stream API, publish acknowledgements and
 * their checks, message get/delete/purge, KV basics, restarts, and bad API input.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { freePort, isReference, type ServerProcess, startServer } from "../_helpers/server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function withJs(
  body: (
    nc: NatsConnection,
    jsm: JetStreamManager,
    srv: ServerProcess,
    dir: string,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "skiff-js-" });
  const srv = await startServer(["-js", "-sd", dir]);
  const nc = await connect({ servers: srv.url });
  try {
    await body(nc, await jetstreamManager(nc), srv, dir);
  } finally {
    await nc.close();
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The parts of an API response these tests read. */
interface ApiReply {
  type?: string;
  error?: { code: number; err_code: number; description: string };
}

/** A raw API request: the JSON response. */
async function api(
  nc: NatsConnection,
  subject: string,
  body: string,
): Promise<ApiReply> {
  const m = await nc.request(subject, enc.encode(body), { timeout: 5000 });
  return JSON.parse(dec.decode(m.data));
}

Deno.test("jetstream: create, info, update, list and delete a stream", async () => {
  await withJs(async (_nc, jsm) => {
    const si = await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], max_msgs: 100 });
    assert.equal(si.config.name, "ORDERS");
    assert.equal(si.config.retention, "limits");
    assert.equal(si.config.storage, "file");
    assert.equal(si.config.duplicate_window, 120_000_000_000);
    assert.equal(si.state.messages, 0);
    const again = await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], max_msgs: 100 });
    assert.equal(again.config.name, "ORDERS", "creating the same stream twice is fine");
    const updated = await jsm.streams.update("ORDERS", { max_msgs: 50 });
    assert.equal(updated.config.max_msgs, 50);
    await jsm.streams.add({ name: "OTHER", subjects: ["other"] });
    const names: string[] = [];
    for await (const n of jsm.streams.names()) names.push(n);
    assert.deepEqual(names.sort(), ["ORDERS", "OTHER"]);
    assert.equal(await jsm.streams.delete("ORDERS"), true);
    await assert.rejects(() => jsm.streams.info("ORDERS"), /stream not found/);
  });
});

Deno.test("jetstream: stream config errors carry nats-server's err_codes", async () => {
  await withJs(async (nc, jsm) => {
    await jsm.streams.add({ name: "A", subjects: ["a.>"] });
    const overlap = await api(nc, "$JS.API.STREAM.CREATE.B", '{"name":"B","subjects":["a.b"]}');
    assert.equal(overlap.error!.err_code, 10065);
    const replicas = await api(nc, "$JS.API.STREAM.CREATE.C", '{"name":"C","num_replicas":3}');
    assert.equal(replicas.error!.err_code, 10074);
    const mismatch = await api(nc, "$JS.API.STREAM.CREATE.D", '{"name":"E"}');
    assert.equal(mismatch.error!.err_code, 10056);
    const badJson = await api(nc, "$JS.API.STREAM.CREATE.F", "{nope");
    assert.equal(badJson.error!.err_code, 10025);
    assert.equal(badJson.error!.code, 400);
    const missing = await api(nc, "$JS.API.STREAM.INFO.NOPE", "");
    assert.equal(missing.error!.err_code, 10059);
    assert.equal(missing.type, "io.nats.jetstream.api.v1.stream_info_response");
    const changed = await api(
      nc,
      "$JS.API.STREAM.CREATE.A",
      '{"name":"A","subjects":["a.>"],"max_msgs":5}',
    );
    assert.equal(changed.error!.err_code, 10058);
    // The server keeps serving after bad input.
    assert.equal((await jsm.streams.info("A")).config.name, "A");
  });
});

Deno.test("jetstream: publish acks, duplicates and expectations", async () => {
  await withJs(async (nc, jsm) => {
    await jsm.streams.add({ name: "S", subjects: ["s.*"] });
    const js = jetstream(nc);
    const a = await js.publish("s.a", "1", { msgID: "m1" });
    assert.deepEqual([a.stream, a.seq, a.duplicate], ["S", 1, false]);
    const dup = await js.publish("s.a", "1", { msgID: "m1" });
    assert.deepEqual([dup.seq, dup.duplicate], [1, true]);
    await js.publish("s.b", "2", { expect: { lastSequence: 1 } });
    await assert.rejects(
      () => js.publish("s.b", "x", { expect: { lastSequence: 1 } }),
      /wrong last sequence: 2/,
    );
    await assert.rejects(
      () => js.publish("s.a", "x", { expect: { streamName: "T" } }),
      /expected stream does not match/,
    );
    await js.publish("s.a", "3", { expect: { lastSubjectSequence: 1 } });
    await assert.rejects(
      () => js.publish("s.a", "x", { expect: { lastSubjectSequence: 1 } }),
      /wrong last sequence: 3/,
    );
    // The last message's id is compared, empty when it had none (as nats-server does).
    await assert.rejects(
      () => js.publish("s.a", "x", { expect: { lastMsgID: "nope" } }),
      /wrong last msg ID: $/,
    );
    await js.publish("s.c", "4", { msgID: "m4" });
    await js.publish("s.c", "5", { expect: { lastMsgID: "m4" } });
    const info = await jsm.streams.info("S");
    assert.equal(info.state.messages, 5);
    assert.equal(info.state.last_seq, 5);
  });
});

Deno.test("jetstream: get, delete and purge messages", async () => {
  await withJs(async (nc, jsm) => {
    await jsm.streams.add({ name: "P", subjects: ["p.*"] });
    const js = jetstream(nc);
    for (let i = 1; i <= 10; i++) await js.publish(`p.${i % 2 === 0 ? "even" : "odd"}`, String(i));
    const m = await jsm.streams.getMessage("P", { seq: 4 });
    assert.equal(m?.subject, "p.even");
    assert.equal(m?.string(), "4");
    const last = await jsm.streams.getMessage("P", { last_by_subj: "p.odd" });
    assert.equal(last?.seq, 9);
    assert.equal(await jsm.streams.deleteMessage("P", 4), true);
    assert.equal(await jsm.streams.getMessage("P", { seq: 4 }), null);
    const purged = await jsm.streams.purge("P", { filter: "p.odd", keep: 1 });
    assert.equal(purged.purged, 4);
    const info = await jsm.streams.info("P", { subjects_filter: ">" });
    assert.deepEqual(info.state.subjects, { "p.even": 4, "p.odd": 1 });
    assert.equal((await jsm.streams.purge("P")).purged, 5);
  });
});

Deno.test("jetstream: KV put, get, create, update and delete", async () => {
  await withJs(async (nc) => {
    const kv = await new Kvm(nc).create("cfg", { history: 5 });
    assert.equal(await kv.put("a.b", "one"), 1);
    assert.equal(await kv.put("a.b", "two"), 2);
    const e = await kv.get("a.b");
    assert.equal(e?.string(), "two");
    assert.equal(e?.revision, 2);
    await assert.rejects(() => kv.create("a.b", "x"), /wrong last sequence: 2/);
    assert.equal(await kv.update("a.b", "three", 2), 3);
    await assert.rejects(() => kv.update("a.b", "stale", 1), /wrong last sequence: 3/);
    await kv.delete("a.b");
    assert.equal((await kv.get("a.b"))?.operation, "DEL");
    assert.equal(await kv.get("missing"), null);
  });
});

Deno.test("jetstream: streams and messages survive a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-js-" });
  try {
    let srv = await startServer(["-js", "-sd", dir]);
    let nc = await connect({ servers: srv.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "KEEP", subjects: ["keep"] });
    const js = jetstream(nc);
    for (let i = 1; i <= 20; i++) await js.publish("keep", `v${i}`, { msgID: `k${i}` });
    await nc.close();
    await srv.stop();

    srv = await startServer(["-js", "-sd", dir]);
    nc = await connect({ servers: srv.url });
    try {
      const info = await (await jetstreamManager(nc)).streams.info("KEEP");
      assert.equal(info.state.messages, 20);
      const m = await (await jetstreamManager(nc)).streams.getMessage("KEEP", { seq: 20 });
      assert.equal(m?.string(), "v20");
      // The duplicate window survives too.
      const dup = await jetstream(nc).publish("keep", "again", { msgID: "k20" });
      assert.equal(dup.duplicate, true);
    } finally {
      await nc.close();
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jetstream: with JetStream off, API requests get no responders", async () => {
  const srv = await startServer();
  const nc = await connect({ servers: srv.url });
  try {
    await assert.rejects(
      () => nc.request("$JS.API.INFO", new Uint8Array(0), { timeout: 2000 }),
      (err: Error) =>
        /no responders|503/i.test(err.message) || (err as { code?: string }).code === "503",
    );
  } finally {
    await nc.close();
    await srv.stop();
  }
});

Deno.test({
  name: "jetstream: $JS.API.INFO reports usage (Skiff)",
  ignore: isReference(),
  fn: async () => {
    await withJs(async (nc, jsm) => {
      await jsm.streams.add({ name: "U", subjects: ["u"] });
      await jetstream(nc).publish("u", "x");
      const info = await jsm.getAccountInfo();
      assert.equal(info.streams, 1);
      assert.ok(info.storage > 0);
    });
  },
});

Deno.test("jetstream: stream advisories and the API audit event", async () => {
  await withJs(async (nc, jsm) => {
    const seen: { subject: string; type: string; action?: string }[] = [];
    const sub = nc.subscribe("$JS.EVENT.ADVISORY.>", {
      callback: (_err, m) => {
        const body = JSON.parse(dec.decode(m.data));
        seen.push({ subject: m.subject, type: body.type, action: body.action });
      },
    });
    await nc.flush();
    await jsm.streams.add({ name: "ADV", subjects: ["adv"] });
    await jsm.streams.delete("ADV");
    await nc.flush();
    // Advisories are published before the response to the request that caused them.
    const deadline = Date.now() + 2000;
    while (seen.filter((s) => s.subject.includes("STREAM.")).length < 2 && Date.now() < deadline) {
      await nc.flush();
    }
    sub.unsubscribe();
    const actions = seen.filter((s) => s.type === "io.nats.jetstream.advisory.v1.stream_action");
    assert.deepEqual(actions.map((s) => [s.subject, s.action]), [
      ["$JS.EVENT.ADVISORY.STREAM.CREATED.ADV", "create"],
      ["$JS.EVENT.ADVISORY.STREAM.DELETED.ADV", "delete"],
    ]);
    assert.ok(seen.some((s) => s.type === "io.nats.jetstream.advisory.v1.api_audit"));
  });
});

/** Polls stream info until `messages` reaches `want` (bounded). */
async function waitForMessages(jsm: JetStreamManager, name: string, want: number): Promise<number> {
  const deadline = Date.now() + 5000;
  let n = -1;
  while (Date.now() < deadline) {
    n = (await jsm.streams.info(name)).state.messages;
    if (n >= want) return n;
    await new Promise((r) => setTimeout(r, 20));
  }
  return n;
}

Deno.test("jetstream: a mirror and a filtered source copy a stream, and resume after a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-js-" });
  try {
    let srv = await startServer(["-js", "-sd", dir]);
    let nc = await connect({ servers: srv.url });
    let jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "SRC", subjects: ["src.*"] });
    let js = jetstream(nc);
    for (let i = 1; i <= 6; i++) await js.publish(`src.${i % 2 === 0 ? "a" : "b"}`, `m${i}`);
    await jsm.streams.add({ name: "MIR", mirror: { name: "SRC" } });
    await jsm.streams.add({ name: "AGG", sources: [{ name: "SRC", filter_subject: "src.a" }] });
    assert.equal(await waitForMessages(jsm, "MIR", 6), 6);
    assert.equal(await waitForMessages(jsm, "AGG", 3), 3);
    assert.equal((await jsm.streams.getMessage("MIR", { seq: 4 }))?.string(), "m4");
    await nc.close();
    await srv.stop();

    srv = await startServer(["-js", "-sd", dir]);
    nc = await connect({ servers: srv.url });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    try {
      for (let i = 7; i <= 10; i++) await js.publish(`src.${i % 2 === 0 ? "a" : "b"}`, `m${i}`);
      assert.equal(await waitForMessages(jsm, "MIR", 10), 10);
      assert.equal(await waitForMessages(jsm, "AGG", 5), 5);
      // Nothing was copied twice across the restart.
      assert.equal((await jsm.streams.info("AGG")).state.messages, 5);
      assert.equal((await jsm.streams.getMessage("MIR", { seq: 10 }))?.string(), "m10");
    } finally {
      await nc.close();
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jetstream: subject_transform rewrites subjects as they are stored", {
  ignore: isReference(), // subject_transform is a 2.10 feature
}, async () => {
  await withJs(async (nc, jsm) => {
    // nats.js refuses this 2.10 field while the server advertises 2.9: use the raw API.
    const created = await api(
      nc,
      "$JS.API.STREAM.CREATE.T",
      JSON.stringify({
        name: "T",
        subjects: ["in.*"],
        subject_transform: { src: "in.*", dest: "stored.{{wildcard(1)}}" },
      }),
    );
    assert.equal(created.error, undefined);
    await jetstream(nc).publish("in.x", "1");
    const m = await jsm.streams.getMessage("T", { seq: 1 });
    assert.equal(m?.subject, "stored.x");
  });
});

Deno.test("jetstream: /jsz and /varz report streams, messages and the store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-js-" });
  const http = freePort();
  const srv = await startServer(["-js", "-sd", dir, "-m", String(http)]);
  const nc = await connect({ servers: srv.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "M", subjects: ["m"] });
    for (let i = 0; i < 3; i++) await jetstream(nc).publish("m", "x");
    const jsz = await (await fetch(`http://127.0.0.1:${http}/jsz`)).json();
    assert.equal(jsz.disabled, undefined);
    assert.equal(jsz.streams, 1);
    assert.equal(jsz.messages, 3);
    assert.ok(jsz.bytes > 0);
    assert.ok(jsz.api.total >= 1);
    const varz = await (await fetch(`http://127.0.0.1:${http}/varz`)).json();
    assert.equal(varz.jetstream.config.store_dir, `${dir}/jetstream`);
  } finally {
    await nc.close();
    await srv.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
