/**
 * Push consumers and delivery options: interest, flow control, idle heartbeats, headers_only,
 * rate_limit_bps, replay original, deliver policies, filters, inactivity and purges.
 */

import { deepStrictEqual as eq } from "node:assert/strict";
import { ackTokens, dec, type Fixture, statusOf, withFixture } from "./_consumer_fakes.ts";
import type { Consumer } from "../../../src/jetstream/consumer.ts";
import { buildHeaders } from "../../../src/protocol/headers.ts";
import { rfc3339Nano } from "../../../src/util/time.ts";

const MS = 1_000_000;

async function publishN(f: Fixture, n: number, prefix = "s."): Promise<void> {
  for (let i = 1; i <= n; i++) await f.host.publish(`${prefix}${i}`, `m${i}`);
}

function bodies(f: Fixture, subject = "d"): string[] {
  return f.m.deliveries(subject).map((p) => dec.decode(p.data));
}

function info(c: Consumer): Record<string, unknown> {
  return c.info();
}

Deno.test("push: delivers to the deliver subject only while someone listens", async () => {
  await withFixture(async (f) => {
    await publishN(f, 2);
    const c = await f.consumer({ durable_name: "C", ack_policy: "none", deliver_subject: "d" });
    await f.clock.advance(50);
    eq(bodies(f), []);
    eq(info(c).push_bound, undefined);
    f.m.interest.add("d");
    await f.clock.advance(150);
    eq(bodies(f), ["m1", "m2"]);
    eq(info(c).push_bound, true);
  });
});

Deno.test("push: flow control asks after half a window and stalls past a full one", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    const big = "x".repeat(400 * 1024);
    for (let i = 0; i < 8; i++) await f.host.publish(`s.${i}`, big);
    await f.consumer({
      durable_name: "C",
      ack_policy: "none",
      deliver_subject: "d",
      flow_control: true,
      idle_heartbeat: 1000 * MS,
    });
    await f.clock.advance(1);
    // Window 2 MiB: a request once 1 MiB is out (3rd message), stalled past 2 MiB (6th).
    const out = f.m.to("d");
    const fcAt = out.findIndex((p) => p.reply?.startsWith("$JS.FC.S.C.") ?? false);
    eq(fcAt, 3);
    eq(statusOf(out[fcAt]).text, "FlowControl Request");
    eq(f.m.deliveries("d").length, 6);
    // A heartbeat while stalled names the outstanding request.
    await f.clock.advance(1000);
    const hb = f.m.to("d").filter((p) => statusOf(p).code === 100 && p.reply === null);
    eq(statusOf(hb[0]).h["Nats-Consumer-Stalled"], out[fcAt].reply);
    f.m.send(out[fcAt].reply!);
    await f.clock.advance(1);
    eq(f.m.deliveries("d").length, 8);
  });
});

Deno.test("push: idle heartbeats carry the last consumer and stream sequences", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    await publishN(f, 2);
    await f.consumer({
      durable_name: "C",
      ack_policy: "explicit",
      deliver_subject: "d",
      idle_heartbeat: 500 * MS,
    });
    await f.clock.advance(1200);
    const hbs = f.m.to("d").filter((p) => p.reply === null);
    eq(hbs.length, 2);
    eq(statusOf(hbs[0]), {
      code: 100,
      text: "Idle Heartbeat",
      h: { "Nats-Last-Consumer": "2", "Nats-Last-Stream": "2" },
    });
  });
});

Deno.test("push: headers_only sends headers and Nats-Msg-Size, no payload", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    await f.host.publish("s.a", "hello");
    await f.host.publish("s.b", "bye!", buildHeaders([["X-A", "1"]]));
    await f.consumer({ durable_name: "C", deliver_subject: "d", headers_only: true });
    await f.clock.advance(1);
    const d = f.m.deliveries("d");
    eq(d.map((p) => p.data.length), [0, 0]);
    eq(dec.decode(d[0].headers!), "NATS/1.0\r\nNats-Msg-Size: 5\r\n\r\n");
    eq(dec.decode(d[1].headers!), "NATS/1.0\r\nX-A: 1\r\nNats-Msg-Size: 4\r\n\r\n");
  });
});

Deno.test("push: rate_limit_bps spaces deliveries out", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    const payload = "y".repeat(1000);
    for (let i = 0; i < 4; i++) await f.host.publish(`s.${i}`, payload);
    await f.consumer({
      durable_name: "C",
      deliver_subject: "d",
      rate_limit_bps: 8 * 1000, // 1000 bytes/s, burst = max_msg_size 1000
    });
    await f.clock.advance(5000);
    const d = f.m.deliveries("d");
    eq(d.length, 4);
    // Each delivery is ~1050 bytes (subject and ack reply count): about 1.05 s apart.
    for (let i = 1; i < 4; i++) {
      const gap = d[i].at - d[i - 1].at;
      eq(gap > 1000 && gap < 1100, true, `gap ${i}: ${gap}`);
    }
  }, { max_msg_size: 1000 });
});

Deno.test("push: replay original keeps the gaps between stored messages", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    await f.host.publish("s.1");
    await f.clock.advance(300);
    await f.host.publish("s.2");
    await f.clock.advance(700);
    await f.host.publish("s.3");
    await f.consumer({ durable_name: "C", deliver_subject: "d", replay_policy: "original" });
    await f.clock.advance(2000);
    const d = f.m.deliveries("d");
    eq(d.map((p) => p.at - d[0].at), [0, 300, 1000]);
  });
});

Deno.test("deliver policies pick their starting message", async () => {
  await withFixture(async (f) => {
    f.m.interest.add(">");
    await f.host.publish("s.a", "1");
    await f.host.publish("s.b", "2");
    const midTs = f.clock.ms;
    await f.clock.advance(10);
    await f.host.publish("s.a", "3");
    await f.host.publish("s.b", "4");
    const mk = (name: string, extra: Record<string, unknown>) =>
      f.consumer({ durable_name: name, deliver_subject: `d.${name}`, ...extra });
    await mk("all", {});
    await mk("last", { deliver_policy: "last" });
    await mk("lastf", { deliver_policy: "last", filter_subject: "s.a" });
    await mk("new", { deliver_policy: "new" });
    await mk("seq", { deliver_policy: "by_start_sequence", opt_start_seq: 2 });
    await mk("time", {
      deliver_policy: "by_start_time",
      opt_start_time: rfc3339Nano((midTs + 5) * MS),
    });
    await mk("lps", { deliver_policy: "last_per_subject", filter_subject: "s.>" });
    await f.clock.advance(1);
    eq(bodies(f, "d.all"), ["1", "2", "3", "4"]);
    eq(bodies(f, "d.last"), ["4"]);
    eq(bodies(f, "d.lastf"), ["3"]);
    eq(bodies(f, "d.new"), []);
    eq(bodies(f, "d.seq"), ["2", "3", "4"]);
    eq(bodies(f, "d.time"), ["3", "4"]);
    eq(bodies(f, "d.lps"), ["3", "4"]);
    await f.host.publish("s.a", "5");
    await f.clock.advance(1);
    eq(bodies(f, "d.new"), ["5"]);
    eq(bodies(f, "d.lps"), ["3", "4", "5"]);
  });
});

Deno.test("filters: filter_subject and filter_subjects deliver only what matches", async () => {
  await withFixture(async (f) => {
    f.m.interest.add(">");
    for (const s of ["s.a", "s.b", "s.c", "s.a", "s.c"]) await f.host.publish(s, s);
    const one = await f.consumer({
      durable_name: "one",
      deliver_subject: "d.1",
      filter_subject: "s.a",
    });
    const two = await f.consumer({
      durable_name: "two",
      deliver_subject: "d.2",
      filter_subjects: ["s.a", "s.c"],
    });
    await f.clock.advance(1);
    eq(bodies(f, "d.1"), ["s.a", "s.a"]);
    eq(bodies(f, "d.2"), ["s.a", "s.c", "s.a", "s.c"]);
    eq(f.m.deliveries("d.2").map((p) => ackTokens(p)[1]), [1, 3, 4, 5]);
    eq(info(one).num_pending, 0);
    await f.host.publish("s.c");
    eq(info(two).num_pending, 1);
    eq(info(one).num_pending, 0);
    await f.clock.advance(1);
    eq(info(two).num_pending, 0);
  });
});

Deno.test("num_pending and the ack reply's pending count what is left to deliver", async () => {
  await withFixture(async (f) => {
    for (let i = 0; i < 5; i++) await f.host.publish("s.x");
    const c = await f.consumer({ durable_name: "P", ack_policy: "explicit" });
    eq(info(c).num_pending, 5);
    f.m.interest.add("in");
    c.processPullRequest("in", new TextEncoder().encode("2"));
    await f.clock.advance(1);
    eq(f.m.deliveries("in").map((p) => ackTokens(p)[4]), [4, 3]);
    eq(info(c).num_pending, 3);
  });
});

Deno.test("ephemeral push consumers go away after inactive_threshold without interest", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer({ deliver_subject: "d", inactive_threshold: 1000 * MS });
    eq(f.host.consumers.size, 1);
    eq(c.name.length, 8);
    await f.clock.advance(1100);
    eq(f.host.consumers.size, 0);
    const adv = f.m.advisories.map((a) => a.subject);
    eq(adv, [
      `$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.${c.name}`,
      `$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.${c.name}`,
    ]);
    eq(f.clock.pendingTimers, 0);
  });
});

Deno.test("ephemeral pull consumers stay while requests come, go when they stop", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer({ ack_policy: "explicit" });
    eq((c.config as { inactive_threshold: number }).inactive_threshold, 5000 * MS);
    f.m.interest.add("in");
    for (let i = 0; i < 3; i++) {
      await f.clock.advance(3000);
      c.processPullRequest("in", new TextEncoder().encode(JSON.stringify({ expires: 1000 * MS })));
    }
    eq(f.host.consumers.size, 1);
    await f.clock.advance(6100);
    eq(f.host.consumers.size, 0);
    eq(f.host.listenerCount, 0);
    eq(f.m.subscriptions, []);
  });
});

Deno.test("durable consumers have no inactive threshold unless given one", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer({ durable_name: "D", deliver_subject: "d" });
    await f.clock.advance(3_000);
    eq(f.host.consumers.get("D"), c);
    eq((c.config as { inactive_threshold: number }).inactive_threshold, 0);
  });
});

Deno.test("a purge moves the consumer past the purged messages and clears their pending", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    await publishN(f, 4);
    const c = await f.consumer({ durable_name: "C", ack_policy: "explicit", deliver_subject: "d" });
    await f.clock.advance(1);
    await f.host.store.purge({ seq: 4 });
    c.streamPurged(4);
    const i = info(c) as { ack_floor: { stream_seq: number }; num_ack_pending: number };
    eq(i.ack_floor.stream_seq, 3);
    eq(i.num_ack_pending, 1);
  });
});

Deno.test("a redelivery of a message deleted from the stream terminates it", async () => {
  await withFixture(async (f) => {
    f.m.interest.add("d");
    await publishN(f, 3);
    const c = await f.consumer({
      durable_name: "C",
      ack_policy: "explicit",
      deliver_subject: "d",
      ack_wait: 1000 * MS,
    });
    await f.clock.advance(1);
    await f.host.store.removeMsg(2);
    f.m.send(f.m.deliveries("d")[0].reply!);
    f.m.send(f.m.deliveries("d")[2].reply!);
    await f.clock.advance(1500);
    eq(f.m.deliveries("d").length, 3);
    const term = f.m.advisories.find((a) => a.subject.includes("MSG_TERMINATED"))!;
    eq(term.body.reason, "Unacknowledged message was deleted");
    eq((info(c) as { num_ack_pending: number }).num_ack_pending, 0);
  });
});
