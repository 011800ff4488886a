/**
 * Acknowledgements: ack policies, ack floors, double acks, -NAK (with delay), +WPI, +TERM,
 * redelivery after ack_wait and backoff, max_deliver and its advisory.
 */

import { deepStrictEqual as eq } from "node:assert/strict";
import {
  ackTokens,
  enc,
  type Fixture,
  type Published,
  statusOf,
  withFixture,
} from "./_consumer_fakes.ts";
import type { Consumer } from "../../../src/jetstream/consumer.ts";

const SEC = 1_000_000_000;

interface Seqs {
  consumer_seq: number;
  stream_seq: number;
  last_active?: string;
}

interface Info {
  delivered: Seqs;
  ack_floor: Seqs;
  num_ack_pending: number;
  num_redelivered: number;
  num_pending: number;
}

/** ConsumerInfo without the wall-clock fields. */
function info(c: Consumer): Info {
  const i = c.info() as unknown as Info;
  delete i.delivered.last_active;
  delete i.ack_floor.last_active;
  return i;
}

/** A push consumer on `d` with someone listening. */
async function pushConsumer(f: Fixture, config: Record<string, unknown>): Promise<Consumer> {
  f.m.interest.add("d");
  return await f.consumer({ durable_name: "C", deliver_subject: "d", ...config });
}

async function publishN(f: Fixture, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await f.host.publish(`s.${i}`, `m${i}`);
}

function acks(f: Fixture): Published[] {
  return f.m.deliveries("d");
}

Deno.test("ack explicit: the floor moves only past contiguous acks", async () => {
  await withFixture(async (f) => {
    await publishN(f, 4);
    const c = await pushConsumer(f, { ack_policy: "explicit" });
    await f.clock.advance(1);
    const d = acks(f);
    eq(d.length, 4);
    f.m.send(d[1].reply!); // ack 2
    await f.clock.advance(1);
    eq(info(c).ack_floor, { consumer_seq: 0, stream_seq: 0 });
    eq(info(c).num_ack_pending, 3);
    f.m.send(d[0].reply!, "+ACK"); // ack 1: floor jumps over 2
    await f.clock.advance(1);
    eq(info(c).ack_floor, { consumer_seq: 2, stream_seq: 2 });
    f.m.send(d[3].reply!);
    f.m.send(d[2].reply!);
    await f.clock.advance(1);
    eq(info(c).ack_floor, { consumer_seq: 4, stream_seq: 4 });
    eq(info(c).num_ack_pending, 0);
  });
});

Deno.test("ack: a reply subject on an ack gets an empty answer once it is durable", async () => {
  await withFixture(async (f) => {
    await publishN(f, 2);
    await pushConsumer(f, { ack_policy: "explicit" });
    await f.clock.advance(1);
    const d = acks(f);
    f.m.send(d[0].reply!, "+ACK", "ackreply.1");
    f.m.send(d[1].reply!, "", "ackreply.2");
    f.m.send(d[1].reply!, "+ACK", "ackreply.3"); // already acked: still answered
    await f.clock.advance(1);
    for (const r of ["ackreply.1", "ackreply.2", "ackreply.3"]) {
      eq(f.m.to(r).length, 1, r);
      eq(f.m.to(r)[0].data.length, 0);
    }
  });
});

Deno.test("ack all: acking one message acks everything before it", async () => {
  await withFixture(async (f) => {
    await publishN(f, 5);
    const c = await pushConsumer(f, { ack_policy: "all" });
    await f.clock.advance(1);
    f.m.send(acks(f)[2].reply!);
    await f.clock.advance(1);
    eq(info(c).ack_floor, { consumer_seq: 3, stream_seq: 3 });
    eq(info(c).num_ack_pending, 2);
    f.m.send(acks(f)[1].reply!, "+ACK", "r.stale"); // below the floor: a no-op, answered
    await f.clock.advance(1);
    eq(f.m.to("r.stale").length, 1);
    eq(info(c).ack_floor.stream_seq, 3);
  });
});

Deno.test("ack none: the floor follows deliveries and nothing is pending", async () => {
  await withFixture(async (f) => {
    await publishN(f, 3);
    const c = await pushConsumer(f, { ack_policy: "none" });
    await f.clock.advance(1);
    eq(info(c).ack_floor, { consumer_seq: 3, stream_seq: 3 });
    eq(info(c).num_ack_pending, 0);
    eq(f.m.subscriptions.filter((s) => s.startsWith("$JS.ACK.")), []);
  });
});

Deno.test("ack_wait: an unacked message is redelivered with delivery count 2", async () => {
  await withFixture(async (f) => {
    await publishN(f, 1);
    const c = await pushConsumer(f, { ack_policy: "explicit", ack_wait: 2 * SEC });
    await f.clock.advance(1);
    eq(acks(f).length, 1);
    await f.clock.advance(1990);
    eq(acks(f).length, 1);
    await f.clock.advance(20);
    const d = acks(f);
    eq(d.length, 2);
    eq(ackTokens(d[1]).slice(0, 3), [2, 1, 2]); // 2nd delivery, stream seq 1, consumer seq 2
    eq(info(c).num_redelivered, 1);
    eq(info(c).delivered, { consumer_seq: 2, stream_seq: 1 });
    f.m.send(d[1].reply!);
    await f.clock.advance(5000);
    eq(acks(f).length, 2);
    eq(info(c).ack_floor, { consumer_seq: 2, stream_seq: 1 });
  });
});

Deno.test("backoff: redeliveries follow the backoff list, then stay at its last value", async () => {
  await withFixture(async (f) => {
    await publishN(f, 1);
    await pushConsumer(f, { ack_policy: "explicit", backoff: [1 * SEC, 3 * SEC, 5 * SEC] });
    await f.clock.advance(16_000);
    const start = acks(f)[0].at;
    const times = acks(f).map((p) => Math.round((p.at - start) / 100) / 10);
    eq(times, [0, 1, 4, 9, 14, 19].slice(0, times.length));
    eq(times.length, 5);
  });
});

Deno.test("max_deliver: after the last delivery expires, an advisory and no more deliveries", async () => {
  await withFixture(async (f) => {
    await publishN(f, 1);
    const c = await pushConsumer(f, { ack_policy: "explicit", ack_wait: 1 * SEC, max_deliver: 2 });
    await f.clock.advance(5000);
    eq(acks(f).length, 2);
    const adv = f.m.advisories.filter((a) => a.subject.includes("MAX_DELIVERIES"));
    eq(adv.length, 1);
    eq(adv[0].subject, "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.C");
    eq(adv[0].body, {
      type: "io.nats.jetstream.advisory.v1.max_deliver",
      stream: "S",
      consumer: "C",
      stream_seq: 1,
      deliveries: 2,
    });
    eq(info(c).num_ack_pending, 0);
    eq(info(c).num_redelivered, 1);
    eq(info(c).ack_floor, { consumer_seq: 2, stream_seq: 1 });
  });
});

Deno.test("-NAK redelivers at once; -NAK with a delay waits that long", async () => {
  await withFixture(async (f) => {
    await publishN(f, 2);
    await pushConsumer(f, { ack_policy: "explicit", ack_wait: 30 * SEC });
    await f.clock.advance(1);
    const d = acks(f);
    f.m.send(d[0].reply!, "-NAK", "nak.reply");
    f.m.send(d[1].reply!, `-NAK {"delay": ${2 * SEC}}`);
    await f.clock.advance(1);
    eq(acks(f).length, 3);
    eq(ackTokens(acks(f)[2]).slice(0, 2), [2, 1]);
    eq(f.m.to("nak.reply").length, 1);
    await f.clock.advance(1900);
    eq(acks(f).length, 3);
    await f.clock.advance(200);
    eq(acks(f).length, 4);
    eq(ackTokens(acks(f)[3]).slice(0, 2), [2, 2]);
    const naked = f.m.advisories.filter((a) => a.subject.includes("MSG_NAKED"));
    eq(naked.length, 2);
    eq(naked[0].body.type, "io.nats.jetstream.advisory.v1.nak");
  });
});

Deno.test("-NAK accepts a Go duration as its delay", async () => {
  await withFixture(async (f) => {
    await publishN(f, 1);
    await pushConsumer(f, { ack_policy: "explicit" });
    await f.clock.advance(1);
    f.m.send(acks(f)[0].reply!, "-NAK 1s");
    await f.clock.advance(900);
    eq(acks(f).length, 1);
    await f.clock.advance(200);
    eq(acks(f).length, 2);
  });
});

Deno.test("+WPI restarts the ack wait of a message in progress", async () => {
  await withFixture(async (f) => {
    await publishN(f, 1);
    await pushConsumer(f, { ack_policy: "explicit", ack_wait: 2 * SEC });
    await f.clock.advance(1);
    await f.clock.advance(1500);
    f.m.send(acks(f)[0].reply!, "+WPI", "wpi.reply");
    await f.clock.advance(1500);
    eq(acks(f).length, 1);
    eq(f.m.to("wpi.reply").length, 1);
    await f.clock.advance(600);
    eq(acks(f).length, 2);
  });
});

Deno.test("+TERM stops redelivery, acks, and sends MSG_TERMINATED with the reason", async () => {
  await withFixture(async (f) => {
    await publishN(f, 2);
    const c = await pushConsumer(f, { ack_policy: "explicit", ack_wait: 1 * SEC });
    await f.clock.advance(1);
    f.m.send(acks(f)[0].reply!, "+TERM bad payload", "term.reply");
    f.m.send(acks(f)[1].reply!);
    await f.clock.advance(3000);
    eq(acks(f).length, 2);
    eq(f.m.to("term.reply").length, 1);
    eq(info(c).ack_floor.stream_seq, 2);
    const adv = f.m.advisories.find((a) => a.subject.includes("MSG_TERMINATED"))!;
    eq(adv.subject, "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.C");
    eq(adv.body, {
      type: "io.nats.jetstream.advisory.v1.terminated",
      stream: "S",
      consumer: "C",
      consumer_seq: 1,
      stream_seq: 1,
      deliveries: 1,
      reason: "bad payload",
    });
  });
});

Deno.test("acks for messages not delivered yet are ignored and not answered", async () => {
  await withFixture(async (f) => {
    await publishN(f, 1);
    const c = await pushConsumer(f, { ack_policy: "explicit" });
    await f.clock.advance(1);
    f.m.send("$JS.ACK.S.C.1.5.5.0.0", "+ACK", "ghost");
    f.m.send("$JS.ACK.S.C.bad", "+ACK", "bad");
    await f.clock.advance(1);
    eq(f.m.to("ghost").length, 0);
    eq(f.m.to("bad").length, 0);
    eq(info(c).num_ack_pending, 1);
  });
});

Deno.test("interest retention: acks are reported to the stream once durable", async () => {
  await withFixture(async (f) => {
    await publishN(f, 3);
    const c = await pushConsumer(f, { ack_policy: "explicit" });
    await f.clock.advance(1);
    f.m.send(acks(f)[1].reply!);
    await f.clock.advance(1);
    eq(f.host.acked, [2]);
    eq(c.doneWith(1, "s.1"), false);
    eq(c.doneWith(2, "s.2"), true);
    eq(c.doneWith(4, "s.4"), false); // not delivered yet
  }, { retention: "interest" });
});

Deno.test("work queue with ack none is refused for pull, explicit ack is required", async () => {
  await withFixture(async (f) => {
    await f.consumer({ durable_name: "W", ack_policy: "none" }).then(
      () => {
        throw new Error("created");
      },
      (err) => eq(err.errCode, 10084),
    );
  }, { retention: "workqueue" });
});

Deno.test("ack none on an interest stream reports each delivery", async () => {
  await withFixture(async (f) => {
    await publishN(f, 2);
    const c = await pushConsumer(f, { ack_policy: "none" });
    await f.clock.advance(1);
    eq(f.host.acked, [1, 2]);
    eq(c.doneWith(2, "s.2"), true);
    eq(c.doneWith(3, "s.3"), false);
  }, { retention: "interest" });
});

Deno.test("a filtered consumer is done with messages outside its filter", async () => {
  await withFixture(async (f) => {
    const c = await pushConsumer(f, { ack_policy: "explicit", filter_subject: "s.a" });
    eq(c.doneWith(1, "s.b"), true);
    eq(c.doneWith(1, "s.a"), false);
  }, { retention: "interest" });
});

Deno.test("status messages are header only", async () => {
  await withFixture(async (f) => {
    const c = await f.consumer({ durable_name: "P", ack_policy: "explicit" });
    f.m.interest.add("x");
    c.processPullRequest("x", enc.encode(JSON.stringify({ no_wait: true })));
    const p = f.m.to("x")[0];
    eq(p.data.length, 0);
    eq(statusOf(p).code, 404);
  });
});
