/**
 * The shared behavioural suite, part 1: storing, loading, removing, purging, compacting, state
 * and filtered queries. Registered once per store kind; every assertion holds for all of them.
 */

import assert from "node:assert/strict";
import { MSG_SIZE_OVERHEAD, type StreamStore } from "../../../../src/jetstream/store/store.ts";
import { dec, enc, FakeClock, type HarnessFactory, withHarness } from "./_harness.ts";

/** Stores `n` messages on subjects produced by `subject(i)`; payload "m<i>". */
export async function fill(s: StreamStore, n: number, subject: (i: number) => string) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await s.storeMsg(subject(i), null, enc.encode(`m${i}`)));
  return out;
}

export function messageSuite(kind: string, factory: HarnessFactory, persistent: boolean): void {
  const t = (name: string, body: Parameters<typeof withHarness>[1]) =>
    Deno.test(`${kind}: ${name}`, () => withHarness(factory, body));

  t("storeMsg assigns consecutive sequences and loadMsg returns what was stored", async (h) => {
    const clock = new FakeClock();
    const s = await h.create({}, { now: clock.now });
    const hdr = enc.encode("NATS/1.0\r\nA: b\r\n\r\n");
    const a = await s.storeMsg("orders.new", hdr, enc.encode("one"));
    clock.advanceMs(5);
    const b = await s.storeMsg("orders.old", null, enc.encode("two"), { ts: 42 });
    assert.deepEqual([a.seq, b.seq], [1, 2]);
    assert.equal(a.ts, 1_700_000_000_000_000_000);
    assert.equal(b.ts, 42);
    const m1 = (await s.loadMsg(1))!;
    assert.equal(m1.subject, "orders.new");
    assert.deepEqual(m1.headers, hdr);
    assert.equal(dec.decode(m1.payload), "one");
    assert.equal(m1.ts, a.ts);
    const m2 = (await s.loadMsg(2))!;
    assert.equal(m2.headers, null);
    assert.equal(m2.ts, 42);
    assert.equal(await s.loadMsg(3), null);
    assert.equal(await s.loadMsg(0), null);
  });

  t("empty headers stay distinct from no headers; empty payloads round-trip", async (h) => {
    const s = await h.create();
    await s.storeMsg("a", new Uint8Array(0), new Uint8Array(0));
    const m = (await s.loadMsg(1))!;
    assert.deepEqual(m.headers, new Uint8Array(0));
    assert.equal(m.payload.length, 0);
  });

  t("the store copies bodies: reusing the caller's buffer changes nothing", async (h) => {
    const s = await h.create();
    const buf = enc.encode("abc");
    const p = s.storeMsg("a", null, buf);
    buf.set(enc.encode("xyz"));
    await p;
    assert.equal(dec.decode((await s.loadMsg(1))!.payload), "abc");
  });

  t("state accounts subject + headers + payload + 16 bytes per message", async (h) => {
    const clock = new FakeClock();
    const s = await h.create({}, { now: clock.now });
    await s.storeMsg("abc", enc.encode("hh"), enc.encode("12345"));
    clock.advanceMs(1);
    await s.storeMsg("de", null, enc.encode("1"));
    const st = s.state();
    assert.equal(st.msgs, 2);
    assert.equal(st.bytes, 3 + 2 + 5 + MSG_SIZE_OVERHEAD + 2 + 1 + MSG_SIZE_OVERHEAD);
    assert.equal(st.firstSeq, 1);
    assert.equal(st.lastSeq, 2);
    assert.equal(st.firstTs, clock.ns - 1_000_000);
    assert.equal(st.lastTs, clock.ns);
    assert.equal(st.numSubjects, 2);
    assert.equal(st.numDeleted, 0);
    assert.equal(st.lost, null);
  });

  t("an empty store reports first = last + 1 and zero times", async (h) => {
    const s = await h.create();
    assert.deepEqual(s.state(), {
      msgs: 0,
      bytes: 0,
      firstSeq: 1,
      firstTs: 0,
      lastSeq: 0,
      lastTs: 0,
      numSubjects: 0,
      numDeleted: 0,
      lost: null,
    });
  });

  t("firstSeq option starts a new store at that sequence", async (h) => {
    const s = await h.create({ firstSeq: 1000 });
    assert.equal(s.state().firstSeq, 1000);
    assert.equal(s.state().lastSeq, 999);
    assert.equal((await s.storeMsg("a", null, enc.encode("x"))).seq, 1000);
  });

  t(
    "removeMsg: interior removal shows as deleted; removing the first moves first_seq",
    async (h) => {
      const s = await h.create();
      await fill(s, 6, () => "a");
      assert.equal(await s.removeMsg(3), true);
      assert.equal(await s.removeMsg(3), false);
      assert.equal(await s.removeMsg(99), false);
      assert.equal(await s.loadMsg(3), null);
      let st = s.state({ deleted: true });
      assert.deepEqual([st.msgs, st.firstSeq, st.numDeleted, st.deleted], [5, 1, 1, [3]]);
      await s.removeMsg(1);
      await s.removeMsg(2);
      st = s.state({ deleted: true });
      assert.deepEqual([st.firstSeq, st.numDeleted, st.deleted], [4, 0, []]);
      await s.removeMsg(6);
      st = s.state({ deleted: true });
      assert.deepEqual([st.lastSeq, st.msgs, st.deleted], [6, 2, [6]]);
    },
  );

  t("eraseMsg removes the message like removeMsg", async (h) => {
    const s = await h.create();
    await fill(s, 3, () => "a");
    assert.equal(await s.eraseMsg(2), true);
    assert.equal(await s.eraseMsg(2), false);
    assert.equal(await s.loadMsg(2), null);
    assert.equal(s.state().msgs, 2);
  });

  t("removing every message leaves first = last + 1 and keeps last_seq", async (h) => {
    const s = await h.create();
    await fill(s, 3, () => "a");
    for (const seq of [2, 1, 3]) await s.removeMsg(seq);
    const st = s.state();
    assert.deepEqual([st.msgs, st.firstSeq, st.lastSeq, st.numDeleted, st.bytes], [0, 4, 3, 0, 0]);
    assert.equal((await s.storeMsg("a", null, enc.encode("x"))).seq, 4);
  });

  t("loadLastMsg finds the newest match for literal, '*', '>' and all filters", async (h) => {
    const s = await h.create();
    await fill(s, 10, (i) => `kv.${["a", "b", "c"][i % 3]}.x`);
    await s.storeMsg("other", null, enc.encode("o"));
    assert.equal((await s.loadLastMsg("kv.a.x"))!.seq, 10);
    assert.equal((await s.loadLastMsg("kv.b.x"))!.seq, 8);
    assert.equal((await s.loadLastMsg("kv.*.x"))!.seq, 10);
    assert.equal((await s.loadLastMsg("kv.>"))!.seq, 10);
    assert.equal((await s.loadLastMsg(">"))!.seq, 11);
    assert.equal((await s.loadLastMsg(""))!.seq, 11);
    assert.equal(await s.loadLastMsg("kv.d.x"), null);
    assert.equal(await s.loadLastMsg("nope.*"), null);
    await s.removeMsg(10);
    assert.equal((await s.loadLastMsg("kv.a.x"))!.seq, 7);
  });

  t("loadNextMsg returns the first match at or after a sequence", async (h) => {
    const s = await h.create();
    await fill(s, 12, (i) => (i % 4 === 0 ? `x.${i}` : `y.${i % 2}`));
    assert.equal((await s.loadNextMsg(">", 1))!.seq, 1);
    assert.equal((await s.loadNextMsg("x.*", 2))!.seq, 5);
    assert.equal((await s.loadNextMsg("x.8", 1))!.seq, 9);
    assert.equal((await s.loadNextMsg("y.1", 3))!.seq, 4);
    assert.equal(await s.loadNextMsg("x.*", 10), null);
    await s.removeMsg(5);
    assert.equal((await s.loadNextMsg("x.*", 2))!.seq, 9);
    assert.equal((await s.loadNextMsg("", 0))!.seq, 1);
  });

  t("a wildcard filter matching rarely still finds its next message far ahead", async (h) => {
    const s = await h.create();
    for (let i = 0; i < 600; i++) {
      await s.storeMsg(i === 550 ? "rare.one" : `common.${i % 7}`, null, enc.encode("x"));
    }
    assert.equal((await s.loadNextMsg("rare.*", 1))!.seq, 551);
    assert.equal(s.numPending("rare.*", 1), 1);
    assert.equal(s.numPending("rare.*", 552), 0);
  });

  t("purge without options removes everything and keeps sequences going", async (h) => {
    const s = await h.create();
    await fill(s, 20, (i) => `s.${i % 4}`);
    assert.equal(await s.purge(), 20);
    const st = s.state();
    assert.deepEqual([st.msgs, st.bytes, st.firstSeq, st.lastSeq, st.numSubjects], [
      0,
      0,
      21,
      20,
      0,
    ]);
    assert.notEqual(st.lastTs, 0);
    assert.equal(st.firstTs, 0);
    assert.equal(await s.loadLastMsg("s.1"), null);
    assert.equal((await s.storeMsg("s.1", null, enc.encode("x"))).seq, 21);
  });

  t("purge by filter removes only matching subjects, honouring seq and keep", async (h) => {
    const s = await h.create();
    await fill(s, 12, (i) => `s.${i % 3}`); // s.0: 1,4,7,10  s.1: 2,5,8,11  s.2: 3,6,9,12
    assert.equal(await s.purge({ filter: "s.0" }), 4);
    assert.equal(await s.purge({ filter: "s.1", seq: 8 }), 2); // below 8: 2, 5
    assert.equal(await s.purge({ filter: "s.2", keep: 1 }), 3);
    assert.deepEqual([...s.subjectsState(">")].sort(), [["s.1", 2], ["s.2", 1]]);
    assert.equal(await s.purge({ filter: "s.*", keep: 5 }), 0);
    assert.deepEqual(s.state({ deleted: true }).deleted, [9, 10]);
  });

  t("purge with keep keeps the newest N messages; with seq removes below it", async (h) => {
    const s = await h.create();
    await fill(s, 10, () => "a");
    await s.removeMsg(9);
    assert.equal(await s.purge({ keep: 3 }), 6); // keeps 7, 8, 10
    assert.deepEqual([s.state().firstSeq, s.state().msgs], [7, 3]);
    assert.equal(await s.purge({ keep: 10 }), 0);
    assert.equal(await s.purge({ seq: 8 }), 1);
    assert.deepEqual([s.state().firstSeq, s.state().msgs], [8, 2]);
    await assert.rejects(() => s.purge({ seq: 3, keep: 1 }), TypeError);
  });

  t("compact removes below a sequence; past the end it moves last_seq", async (h) => {
    const s = await h.create();
    await fill(s, 10, () => "a");
    assert.equal(await s.compact(4), 3);
    assert.equal(await s.compact(2), 0);
    assert.equal(s.state().firstSeq, 4);
    assert.equal(await s.compact(50), 7);
    const st = s.state();
    assert.deepEqual([st.msgs, st.firstSeq, st.lastSeq], [0, 50, 49]);
    assert.equal((await s.storeMsg("a", null, enc.encode("x"))).seq, 50);
  });

  t("subjectsState counts messages per subject under a filter", async (h) => {
    const s = await h.create();
    await fill(s, 9, (i) => `a.${i % 3}.${i < 6 ? "x" : "y"}`);
    assert.deepEqual(
      [...s.subjectsState("a.*.x")].sort(),
      [["a.0.x", 2], ["a.1.x", 2], ["a.2.x", 2]],
    );
    assert.deepEqual([...s.subjectsState("a.1.>")].sort(), [["a.1.x", 2], ["a.1.y", 1]]);
    assert.equal(s.subjectsState(">").size, 6);
    assert.equal(s.subjectsState("b.*").size, 0);
  });

  t(
    "numPending counts matches from a sequence for all, literal and wildcard filters",
    async (h) => {
      const s = await h.create();
      await fill(s, 30, (i) => `p.${i % 5}`);
      await s.removeMsg(10);
      await s.removeMsg(11);
      assert.equal(s.numPending(">", 1), 28);
      assert.equal(s.numPending("", 12), 19);
      assert.equal(s.numPending(">", 31), 0);
      // p.0 holds 1, 6, 11, 16, 21, 26; 11 was removed.
      assert.equal(s.numPending("p.0", 1), 5);
      assert.equal(s.numPending("p.0", 12), 3);
      assert.equal(s.numPending("p.0", 26), 1);
      assert.equal(s.numPending("p.*", 12), 19);
      assert.equal(s.numPending("p.>", 29), 2);
      assert.equal(s.numPending("q.*", 1), 0);
    },
  );

  t("numPending with lastPerSubject counts subjects whose newest message qualifies", async (h) => {
    const s = await h.create();
    await fill(s, 10, (i) => `k.${i % 4}`); // last: k.0=9 k.1=10 k.2=7 k.3=8
    assert.equal(s.numPending("k.*", 1, true), 4);
    assert.equal(s.numPending("k.*", 9, true), 2);
    assert.equal(s.numPending("k.2", 8, true), 0);
    assert.deepEqual(s.lastSeqsPerSubject("k.*"), [7, 8, 9, 10]);
    assert.deepEqual(s.lastSeqsPerSubject("k.1"), [10]);
  });

  t("seqFromTime finds the first message at or after a time", async (h) => {
    const clock = new FakeClock();
    const s = await h.create({}, { now: clock.now });
    for (let i = 0; i < 5; i++) {
      await s.storeMsg("t", null, enc.encode("x"));
      clock.advanceMs(10);
    }
    const t0 = clock.ns - 50_000_000;
    assert.equal(s.seqFromTime(0), 1);
    assert.equal(s.seqFromTime(t0 + 15_000_000), 3);
    assert.equal(s.seqFromTime(t0 + 20_000_000), 3);
    assert.equal(s.seqFromTime(clock.ns), 6);
    await s.removeMsg(3);
    assert.equal(s.seqFromTime(t0 + 15_000_000), 4);
  });

  t("operations after close reject with a StoreError", async (h) => {
    const s = await h.create();
    await s.close();
    await assert.rejects(() => s.storeMsg("a", null, enc.encode("x")), { name: "StoreError" });
    await assert.rejects(() => s.loadMsg(1), { name: "StoreError" });
  });

  t("invalid subjects are refused", async (h) => {
    const s = await h.create();
    await assert.rejects(() => s.storeMsg("", null, enc.encode("x")), { code: "invalid_subject" });
  });

  if (persistent) {
    t("reopen restores messages, deletions, purge floor and sequences", async (h) => {
      let s = await h.create();
      await fill(s, 40, (i) => `r.${i % 6}`);
      await s.removeMsg(7);
      await s.eraseMsg(20);
      await s.purge({ filter: "r.5" });
      await s.compact(3);
      const before = s.state({ deleted: true });
      const subjects = s.subjectsState(">");
      s = await h.reopen!(s);
      assert.deepEqual(s.state({ deleted: true }), before);
      assert.deepEqual(s.subjectsState(">"), subjects);
      assert.equal(dec.decode((await s.loadMsg(29))!.payload), "m28");
      assert.equal(await s.loadMsg(30), null); // purged with r.5
      assert.equal((await s.storeMsg("r.0", null, enc.encode("next"))).seq, 41);
      await s.purge();
      s = await h.reopen!(s);
      assert.deepEqual([s.state().msgs, s.state().firstSeq, s.state().lastSeq], [0, 42, 41]);
      await s.compact(100);
      s = await h.reopen!(s);
      assert.deepEqual([s.state().firstSeq, s.state().lastSeq], [100, 99]);
    });
  }
}
