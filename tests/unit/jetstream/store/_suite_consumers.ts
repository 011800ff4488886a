/**
 * The shared behavioural suite, part 3: consumer state (delivered, ack floor, pending,
 * redelivery) with each ack policy, and its persistence across reopen for stores that persist.
 */

import assert from "node:assert/strict";
import type {
  ConsumerState,
  ConsumerStore,
} from "../../../../src/jetstream/store/consumer_state.ts";
import { enc, type HarnessFactory, withHarness } from "./_harness.ts";

const EXPLICIT = { ackPolicy: "explicit", maxDeliver: -1 } as const;

function summary(c: ConsumerStore | ConsumerState) {
  const s = "state" in c ? c.state() : c;
  return {
    delivered: [s.delivered.consumerSeq, s.delivered.streamSeq],
    ackFloor: [s.ackFloor.consumerSeq, s.ackFloor.streamSeq],
    pending: [...s.pending.keys()].sort((a, b) => a - b),
    redelivered: [...s.redelivered].sort((a, b) => a[0] - b[0]),
  };
}

export function consumerSuite(kind: string, factory: HarnessFactory, persistent: boolean): void {
  const t = (name: string, body: Parameters<typeof withHarness>[1]) =>
    Deno.test(`${kind}: consumer ${name}`, () => withHarness(factory, body));

  t("explicit acks move the floor only past the oldest pending message", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("c", EXPLICIT);
    for (let i = 1; i <= 5; i++) await c.updateDelivered(i, i * 10, 1, 1000 + i);
    assert.deepEqual(summary(c).pending, [10, 20, 30, 40, 50]);
    assert.equal(await c.updateAcks(3, 30), true);
    assert.deepEqual(summary(c).ackFloor, [0, 0]);
    await c.updateAcks(1, 10);
    // The floor jumps to just below the oldest pending message, like nats-server.
    assert.deepEqual(summary(c).ackFloor, [1, 19]);
    await c.updateAcks(2, 20);
    assert.deepEqual(summary(c).ackFloor, [3, 39]); // just below the oldest still pending (4, 40)
    assert.equal(await c.updateAcks(2, 20), false);
    await c.updateAcks(5, 50);
    await c.updateAcks(4, 40);
    assert.deepEqual(summary(c), {
      delivered: [5, 50],
      ackFloor: [5, 50],
      pending: [],
      redelivered: [],
    });
  });

  t("redeliveries count per message and past max_deliver stop being pending", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("c", { ackPolicy: "explicit", maxDeliver: 3 });
    await c.updateDelivered(1, 7, 1, 1);
    await c.updateDelivered(2, 7, 2, 2);
    await c.updateDelivered(3, 7, 3, 3);
    let st = c.state();
    assert.equal(st.pending.get(7)!.consumerSeq, 1); // the first delivery's sequence stays
    assert.equal(st.pending.get(7)!.ts, 3);
    assert.deepEqual([...st.redelivered], [[7, 2]]);
    await c.updateDelivered(4, 7, 4, 4);
    st = c.state();
    assert.equal(st.pending.has(7), false);
    assert.deepEqual(summary(st).delivered, [4, 7]);
  });

  t("ack all acknowledges everything up to the sequence", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("c", { ackPolicy: "all", maxDeliver: -1 });
    for (let i = 1; i <= 6; i++) await c.updateDelivered(i, i, 1, i);
    await c.updateAcks(4, 4);
    assert.deepEqual(summary(c), {
      delivered: [6, 6],
      ackFloor: [4, 4],
      pending: [5, 6],
      redelivered: [],
    });
  });

  t("ack none moves the floor with every delivery and keeps nothing pending", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("c", { ackPolicy: "none", maxDeliver: -1 });
    await c.updateDelivered(1, 3, 1, 1);
    await c.updateDelivered(2, 9, 1, 2);
    assert.deepEqual(summary(c), {
      delivered: [2, 9],
      ackFloor: [2, 9],
      pending: [],
      redelivered: [],
    });
    assert.equal(await c.updateAcks(2, 9), false);
  });

  t("stale deliveries at or below the ack floor are ignored", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("c", EXPLICIT);
    await c.updateDelivered(1, 1, 1, 1);
    await c.updateAcks(1, 1);
    await c.updateDelivered(1, 1, 1, 5);
    assert.deepEqual(summary(c).pending, []);
  });

  t("setStartingSeq, update and meta", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("c", EXPLICIT);
    await c.setStartingSeq(99);
    assert.deepEqual(summary(c).delivered, [0, 99]);
    await c.updateDelivered(1, 100, 1, 1);
    await c.updateAcks(1, 100);
    assert.deepEqual(summary(c).ackFloor, [1, 100]);
    const replacement = c.state();
    replacement.delivered = { consumerSeq: 7, streamSeq: 70 };
    await c.update(replacement);
    assert.deepEqual(summary(c).delivered, [7, 70]);
    await c.setMeta(enc.encode('{"durable_name":"c"}'));
    assert.deepEqual(s.consumers().map((e) => e.name), ["c"]);
    assert.deepEqual(s.consumers()[0].meta, enc.encode('{"durable_name":"c"}'));
  });

  t("delete forgets the consumer", async (h) => {
    const s = await h.create();
    const c = await s.consumerStore("gone", EXPLICIT);
    await c.updateDelivered(1, 1, 1, 1);
    await c.delete();
    assert.deepEqual(s.consumers(), []);
    await assert.rejects(() => c.updateDelivered(2, 2, 1, 1), { name: "StoreError" });
    const again = await s.consumerStore("gone", EXPLICIT);
    assert.deepEqual(summary(again).delivered, [0, 0]);
  });

  if (persistent) {
    t("state, meta and deletions survive reopen", async (h) => {
      let s = await h.create();
      const c = await s.consumerStore("durable", EXPLICIT);
      await c.setMeta(enc.encode("cfg"));
      for (let i = 1; i <= 8; i++) await c.updateDelivered(i, i + 100, 1, i);
      await c.updateDelivered(9, 103, 2, 50);
      for (const i of [1, 2, 5]) await c.updateAcks(i, i + 100);
      const gone = await s.consumerStore("gone", EXPLICIT);
      await gone.updateDelivered(1, 1, 1, 1);
      await gone.delete();
      const expected = summary(c);
      s = await h.reopen!(s);
      assert.deepEqual(s.consumers(), [{ name: "durable", meta: enc.encode("cfg") }]);
      const back = await s.consumerStore("durable", EXPLICIT);
      assert.deepEqual(summary(back), expected);
      assert.equal(back.state().pending.get(103)!.ts, 50);
    });
  }
}
