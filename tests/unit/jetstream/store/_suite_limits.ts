/**
 * The shared behavioural suite, part 2: limits (max msgs / bytes / per subject / msg size),
 * discard policies, max age and per-message TTL (on a fake clock, expiry run by hand), config
 * updates, and the removal listener.
 */

import assert from "node:assert/strict";
import type { RemovalReason } from "../../../../src/jetstream/store/store.ts";
import { enc, FakeClock, type HarnessFactory, withHarness } from "./_harness.ts";
import { fill } from "./_suite_messages.ts";

export function limitsSuite(kind: string, factory: HarnessFactory, persistent: boolean): void {
  const t = (name: string, body: Parameters<typeof withHarness>[1]) =>
    Deno.test(`${kind}: ${name}`, () => withHarness(factory, body));

  t("max_msgs with discard old evicts the oldest and tells the listener", async (h) => {
    const s = await h.create({ maxMsgs: 3 });
    const removed: [number, string, RemovalReason][] = [];
    s.onRemoval((seq, subject, reason) => removed.push([seq, subject, reason]));
    await fill(s, 5, (i) => `m.${i}`);
    assert.deepEqual([s.state().msgs, s.state().firstSeq], [3, 3]);
    assert.deepEqual(removed, [[1, "m.0", "max_msgs"], [2, "m.1", "max_msgs"]]);
  });

  t("max_bytes with discard old evicts until the total fits", async (h) => {
    const per = 1 + 2 + 16; // subject "a" + payload "mN" + overhead
    const s = await h.create({ maxBytes: per * 4 });
    await fill(s, 6, () => "a");
    assert.deepEqual([s.state().msgs, s.state().bytes, s.state().firstSeq], [4, per * 4, 3]);
  });

  t("max_msgs_per_subject keeps the newest N of each subject", async (h) => {
    const s = await h.create({ maxMsgsPerSubject: 2 });
    const reasons: RemovalReason[] = [];
    s.onRemoval((_seq, _subj, r) => reasons.push(r));
    await fill(s, 9, (i) => `kv.${i % 3}`);
    assert.deepEqual([...s.subjectsState(">")].sort(), [["kv.0", 2], ["kv.1", 2], ["kv.2", 2]]);
    assert.deepEqual(s.state({ deleted: true }).deleted, []);
    assert.equal(s.state().firstSeq, 4);
    assert.deepEqual(reasons, [
      "max_msgs_per_subject",
      "max_msgs_per_subject",
      "max_msgs_per_subject",
    ]);
    await s.storeMsg("kv.1", null, enc.encode("x"));
    assert.deepEqual(s.state({ deleted: true }).deleted, [5]);
  });

  t("max_msg_size refuses bigger headers + payload", async (h) => {
    const s = await h.create({ maxMsgSize: 10 });
    await s.storeMsg("a", enc.encode("12345"), enc.encode("12345"));
    await assert.rejects(
      () => s.storeMsg("a", enc.encode("123456"), enc.encode("12345")),
      { name: "StoreError", code: "max_msg_size" },
    );
    assert.equal(s.state().msgs, 1);
  });

  t("discard new refuses past max_msgs and max_bytes and keeps what is there", async (h) => {
    const s = await h.create({ maxMsgs: 2, discard: "new" });
    await fill(s, 2, () => "a");
    await assert.rejects(() => s.storeMsg("a", null, enc.encode("x")), { code: "max_msgs" });
    assert.deepEqual([s.state().msgs, s.state().lastSeq], [2, 2]);
    const b = await h.create({ maxBytes: 40, discard: "new" });
    await b.storeMsg("a", null, enc.encode("123")); // 20 bytes
    await b.storeMsg("a", null, enc.encode("123")); // 40 bytes: exactly at the limit
    await assert.rejects(() => b.storeMsg("a", null, new Uint8Array(0)), { code: "max_bytes" });
  });

  t("discard new with a per-subject limit evicts that subject instead of refusing", async (h) => {
    const s = await h.create({ maxMsgs: 2, maxMsgsPerSubject: 1, discard: "new" });
    await s.storeMsg("k.a", null, enc.encode("1"));
    await s.storeMsg("k.b", null, enc.encode("1"));
    await s.storeMsg("k.a", null, enc.encode("2")); // replaces k.a's only message
    assert.deepEqual([...s.subjectsState(">")].sort(), [["k.a", 1], ["k.b", 1]]);
    await assert.rejects(() => s.storeMsg("k.c", null, enc.encode("1")), { code: "max_msgs" });
  });

  t("discard new per subject refuses a subject at its limit", async (h) => {
    const s = await h.create({ maxMsgsPerSubject: 2, discard: "new", discardNewPerSubject: true });
    await fill(s, 2, () => "k.a");
    await assert.rejects(() => s.storeMsg("k.a", null, enc.encode("x")), {
      code: "max_msgs_per_subject",
    });
    await s.storeMsg("k.b", null, enc.encode("x"));
    assert.equal(s.state().msgs, 3);
  });

  t("max age removes messages older than the limit when expiry runs", async (h) => {
    const clock = new FakeClock();
    const s = await h.create({ maxAge: 1_000_000_000 }, { now: clock.now });
    const reasons: RemovalReason[] = [];
    s.onRemoval((_seq, _subj, r) => reasons.push(r));
    await fill(s, 3, () => "a");
    clock.advanceMs(600);
    await fill(s, 2, () => "a");
    clock.advanceMs(500);
    assert.equal(await s.expireNow(), 3);
    assert.deepEqual([s.state().msgs, s.state().firstSeq], [2, 4]);
    clock.advanceMs(600);
    assert.equal(await s.expireNow(), 2);
    assert.equal(s.state().msgs, 0);
    assert.deepEqual(reasons, Array(5).fill("max_age"));
  });

  t("per-message TTL expires on its own; TTL -1 never expires even past max age", async (h) => {
    const clock = new FakeClock();
    const s = await h.create({ maxAge: 10_000_000_000 }, { now: clock.now });
    const reasons: [number, RemovalReason][] = [];
    s.onRemoval((seq, _subj, r) => reasons.push([seq, r]));
    await s.storeMsg("t", null, enc.encode("short"), { ttl: 1_000_000_000 });
    await s.storeMsg("t", null, enc.encode("forever"), { ttl: -1 });
    await s.storeMsg("t", null, enc.encode("plain"));
    await s.storeMsg("t", null, enc.encode("long"), { ttl: 20_000_000_000 });
    clock.advanceMs(1_500);
    assert.equal(await s.expireNow(), 1);
    clock.advanceMs(10_000);
    assert.equal(await s.expireNow(), 1); // "plain" by max age; "long" has its own TTL
    clock.advanceMs(10_000);
    assert.equal(await s.expireNow(), 1);
    assert.deepEqual(reasons, [[1, "ttl"], [3, "max_age"], [4, "ttl"]]);
    assert.equal(s.state().msgs, 1);
    assert.equal((await s.loadMsg(2))!.ttl, -1);
  });

  t("updateConfig applies tighter limits at once", async (h) => {
    const s = await h.create();
    await fill(s, 10, (i) => `u.${i % 2}`);
    await s.updateConfig({ maxMsgsPerSubject: 3 });
    assert.equal(s.state().msgs, 6);
    await s.updateConfig({ maxMsgs: 4 });
    assert.deepEqual([s.state().msgs, s.state().firstSeq], [4, 7]);
    assert.equal(s.config.maxMsgs, 4);
    assert.equal(s.config.maxMsgsPerSubject, 3);
  });

  t("updateConfig to discard new does not trim an over-full store", async (h) => {
    const s = await h.create();
    await fill(s, 5, () => "a");
    await s.updateConfig({ maxMsgs: 2, discard: "new" });
    assert.equal(s.state().msgs, 5);
    await assert.rejects(() => s.storeMsg("a", null, enc.encode("x")), { code: "max_msgs" });
  });

  t("updateConfig rejects a bad discard policy", async (h) => {
    const s = await h.create();
    await assert.rejects(
      () => s.updateConfig({ discard: "sideways" as "old" }),
      TypeError,
    );
  });

  if (persistent) {
    t("TTLs and max age keep working after reopen", async (h) => {
      const clock = new FakeClock();
      let s = await h.create({ maxAge: 5_000_000_000 }, { now: clock.now });
      await s.storeMsg("t", null, enc.encode("ttl"), { ttl: 1_000_000_000 });
      await s.storeMsg("t", null, enc.encode("never"), { ttl: -1 });
      await s.storeMsg("t", null, enc.encode("aged"));
      s = await h.reopen!(s); // same fake clock
      clock.advanceMs(1_500);
      assert.equal(await s.expireNow(), 1);
      clock.advanceMs(4_000);
      assert.equal(await s.expireNow(), 1);
      assert.deepEqual(s.state({ deleted: true }).deleted, [3]);
      assert.equal(s.state().msgs, 1);
      assert.equal((await s.loadMsg(2))!.ttl, -1);
    });
  }
}
