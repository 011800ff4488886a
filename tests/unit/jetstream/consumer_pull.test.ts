/** Pull consumers: batches, expiry, no_wait, max_bytes, request limits, heartbeats, statuses. */

import { deepStrictEqual, deepStrictEqual as assertEquals } from "node:assert/strict";
import { ackTokens, dec, enc, statusOf, withFixture } from "./_consumer_fakes.ts";

const PULL = { durable_name: "D", ack_policy: "explicit" };

function pull(
  f: { m: { interest: Set<string> } },
  c: { processPullRequest(r: string, d: Uint8Array): void },
  reply: string,
  body: unknown = "",
) {
  f.m.interest.add(reply);
  c.processPullRequest(reply, enc.encode(typeof body === "string" ? body : JSON.stringify(body)));
}

Deno.test("pull: an empty request gets one message with a v1 ack subject", async () => {
  await withFixture(async (f) => {
    await f.host.publish("s.a", "one");
    await f.host.publish("s.b", "two");
    const c = await f.consumer(PULL);
    pull(f, c, "in.1");
    await f.clock.advance(1);
    const got = f.m.to("in.1");
    assertEquals(got.length, 1);
    assertEquals(dec.decode(got[0].data), "one");
    assertEquals(got[0].msgSubject, "s.a"); // routed to the reply, sent with its own subject
    const [dc, sseq, dseq, ts, pending] = ackTokens(got[0]);
    deepStrictEqual([dc, sseq, dseq, pending], [1, 1, 1, 1]);
    assertEquals(ts > 0, true);
    assertEquals(got[0].reply!.startsWith("$JS.ACK.S.D.1.1.1."), true);
  });
});

Deno.test("pull: a batch is served in stream order, then waits for new messages", async () => {
  await withFixture(async (f) => {
    for (let i = 1; i <= 3; i++) await f.host.publish(`s.${i}`, `m${i}`);
    const c = await f.consumer(PULL);
    pull(f, c, "in.b", { batch: 5 });
    await f.clock.advance(1);
    assertEquals(f.m.deliveries("in.b").map((p) => dec.decode(p.data)), ["m1", "m2", "m3"]);
    await f.host.publish("s.4", "m4");
    await f.clock.advance(1);
    assertEquals(f.m.deliveries("in.b").length, 4);
    assertEquals(c.info().num_waiting, 1);
  });
});

Deno.test("pull: a bare integer body is a batch size", async () => {
  await withFixture(async (f) => {
    for (let i = 1; i <= 3; i++) await f.host.publish(`s.${i}`);
    const c = await f.consumer(PULL);
    pull(f, c, "in.n", "2");
    await f.clock.advance(1);
    assertEquals(f.m.deliveries("in.n").length, 2);
    assertEquals(c.info().num_waiting, 0);
  });
});

Deno.test("pull: expires answers 408 Request Timeout with the pending counts", async () => {
  await withFixture(async (f) => {
    await f.host.publish("s.a");
    const c = await f.consumer(PULL);
    pull(f, c, "in.e", { batch: 3, expires: 200_000_000 });
    await f.clock.advance(199);
    assertEquals(f.m.to("in.e").length, 1);
    await f.clock.advance(2);
    const s = statusOf(f.m.to("in.e")[1]);
    deepStrictEqual(s, {
      code: 408,
      text: "Request Timeout",
      h: { "Nats-Pending-Messages": "2", "Nats-Pending-Bytes": "0" },
    });
    assertEquals(c.info().num_waiting, 0);
  });
});

Deno.test("pull: no_wait on an empty consumer answers 404 No Messages at once", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer(PULL);
    pull(f, c, "in.nw", { batch: 1, no_wait: true });
    await f.clock.advance(0);
    const s = statusOf(f.m.to("in.nw")[0]);
    assertEquals([s.code, s.text], [404, "No Messages"]);
  });
});

Deno.test("pull: no_wait gets what there is, then 408 with what is left (as 2.9)", async () => {
  await withFixture(async (f) => {
    await f.host.publish("s.a");
    await f.host.publish("s.b");
    const c = await f.consumer(PULL);
    pull(f, c, "in.nw", { batch: 5, no_wait: true });
    await f.clock.advance(1);
    const got = f.m.to("in.nw");
    assertEquals(got.length, 3);
    const s = statusOf(got[2]);
    deepStrictEqual([s.code, s.text, s.h["Nats-Pending-Messages"]], [408, "Request Timeout", "3"]);
  });
});

Deno.test("pull: max_bytes too small for the next message answers 409 and ends the request", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer(PULL);
    pull(f, c, "in.mb", { batch: 2, max_bytes: 10, expires: 1_000_000_000 });
    await f.host.publish("s.a", "hello world");
    await f.clock.advance(1);
    const s = statusOf(f.m.to("in.mb")[0]);
    deepStrictEqual(s, {
      code: 409,
      text: "Message Size Exceeds MaxBytes",
      h: { "Nats-Pending-Messages": "2", "Nats-Pending-Bytes": "10" },
    });
    assertEquals(c.info().num_waiting, 0);
  });
});

Deno.test("pull: max_bytes that fits counts subject, reply, headers and data", async () => {
  await withFixture(async (f) => {
    await f.host.publish("s.a", "x".repeat(10));
    await f.host.publish("s.b", "y".repeat(10));
    const c = await f.consumer(PULL);
    pull(f, c, "in.mb", { batch: 10, max_bytes: 100, expires: 1_000_000_000 });
    await f.clock.advance(1);
    // Each delivery is 3 (subject) + ~50 (reply) + 10 bytes: only one fits in 100.
    const got = f.m.to("in.mb");
    assertEquals(got.filter((p) => p.reply !== null).length, 1);
    assertEquals(statusOf(got[1]).code, 409);
  });
});

Deno.test("pull: the consumer's limits answer 409 with nats-server's texts", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer({
      ...PULL,
      max_batch: 5,
      max_expires: 1_500_000_000,
      max_bytes: 1000,
      max_waiting: 1,
    });
    pull(f, c, "in.1", { batch: 10 });
    pull(f, c, "in.2", { batch: 1, expires: 2_000_000_000 });
    pull(f, c, "in.3", { batch: 1, max_bytes: 2000 });
    pull(f, c, "in.4", { batch: 1, expires: 1_000_000_000 });
    pull(f, c, "in.5", { batch: 1, expires: 1_000_000_000 });
    await f.clock.advance(0);
    assertEquals(statusOf(f.m.to("in.1")[0]).text, "Exceeded MaxRequestBatch of 5");
    assertEquals(statusOf(f.m.to("in.2")[0]).text, "Exceeded MaxRequestExpires of 1.5s");
    assertEquals(statusOf(f.m.to("in.3")[0]).text, "Exceeded MaxRequestMaxBytes of 1000");
    assertEquals(f.m.to("in.4").length, 0);
    const s = statusOf(f.m.to("in.5")[0]);
    assertEquals([s.code, s.text], [409, "Exceeded MaxWaiting"]);
  });
});

Deno.test("pull: a bad request answers 400 Bad Request; heartbeat must be at most expires/2", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer(PULL);
    pull(f, c, "in.bad", "{bad");
    pull(f, c, "in.hb", { batch: 1, idle_heartbeat: 200_000_000, expires: 300_000_000 });
    await f.clock.advance(0);
    const bad = statusOf(f.m.to("in.bad")[0]);
    assertEquals([bad.code, bad.text.startsWith("Bad Request - ")], [400, true]);
    assertEquals(statusOf(f.m.to("in.hb")[0]).text, "Bad Request - heartbeat value too large");
  });
});

Deno.test("pull: requests with idle_heartbeat get 100 Idle Heartbeat while waiting", async () => {
  await withFixture(async (f) => {
    await f.host.publish("s.a");
    const c = await f.consumer(PULL);
    pull(f, c, "in.hb", { batch: 5, idle_heartbeat: 100_000_000, expires: 350_000_000 });
    await f.clock.advance(351);
    const got = f.m.to("in.hb");
    assertEquals(got[0].reply !== null, true);
    const hbs = got.filter((p) => statusOf(p).code === 100);
    assertEquals(hbs.length, 3);
    deepStrictEqual(statusOf(hbs[0]).h, { "Nats-Last-Consumer": "1", "Nats-Last-Stream": "1" });
    assertEquals(statusOf(got[got.length - 1]).text, "Request Timeout");
  });
});

Deno.test("pull: requests are served in turn and a requester that left is skipped", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer(PULL);
    pull(f, c, "in.a", { batch: 2 });
    pull(f, c, "in.b", { batch: 2 });
    pull(f, c, "in.gone", { batch: 2 });
    f.m.interest.delete("in.gone");
    for (let i = 0; i < 4; i++) await f.host.publish(`s.${i}`);
    await f.clock.advance(1);
    assertEquals(f.m.to("in.a").length, 2);
    assertEquals(f.m.to("in.b").length, 2);
    assertEquals(f.m.to("in.gone").length, 0);
    assertEquals(f.m.to("in.a")[0].reply!.split(".")[5], "1");
    assertEquals(f.m.to("in.b")[0].reply!.split(".")[5], "2");
  });
});

Deno.test("pull: a push consumer answers pull requests 409 Consumer is push based", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer({ durable_name: "P", ack_policy: "explicit", deliver_subject: "d" });
    pull(f, c, "in.x");
    const s = statusOf(f.m.to("in.x")[0]);
    assertEquals([s.code, s.text], [409, "Consumer is push based"]);
  });
});

Deno.test("pull: +NXT acks and asks for the next message on the same reply", async () => {
  await withFixture(async (f) => {
    for (let i = 1; i <= 3; i++) await f.host.publish(`s.${i}`);
    const c = await f.consumer(PULL);
    pull(f, c, "in.x");
    await f.clock.advance(1);
    const first = f.m.deliveries("in.x")[0];
    f.m.send(first.reply!, "+NXT", "in.x");
    await f.clock.advance(1);
    f.m.send(f.m.deliveries("in.x")[1].reply!, "+NXT 2", "in.x");
    await f.clock.advance(1);
    assertEquals(f.m.deliveries("in.x").length, 3);
    const info = c.info() as { ack_floor: { stream_seq: number }; num_ack_pending: number };
    assertEquals(info.ack_floor.stream_seq, 2);
    assertEquals(info.num_ack_pending, 1);
  });
});

Deno.test("pull: deleting the consumer answers waiting requests 409 Consumer Deleted", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer(PULL);
    pull(f, c, "in.w", { batch: 1, expires: 5_000_000_000 });
    await c.delete();
    const s = statusOf(f.m.to("in.w")[0]);
    assertEquals([s.code, s.text], [409, "Consumer Deleted"]);
    assertEquals(f.host.consumers.size, 0);
    assertEquals(f.clock.pendingTimers, 0);
  });
});

Deno.test("pull: max_ack_pending stops deliveries until acks come", async () => {
  await withFixture(async (f) => {
    for (let i = 1; i <= 4; i++) await f.host.publish(`s.${i}`);
    const c = await f.consumer({ ...PULL, max_ack_pending: 2 });
    pull(f, c, "in.m", { batch: 4, expires: 10_000_000_000 });
    await f.clock.advance(1);
    const got = f.m.deliveries("in.m");
    assertEquals(got.length, 2);
    f.m.send(got[0].reply!);
    await f.clock.advance(1);
    assertEquals(f.m.deliveries("in.m").length, 3);
  });
});
