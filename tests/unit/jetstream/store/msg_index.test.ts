/**
 * The per-sequence message index and per-subject state (msg_index.ts, subject_index.ts):
 * first/last/count per subject stay exact through removals anywhere, subject ids are reused,
 * the columns compact, and counts from a sequence match a naive count.
 */

import assert from "node:assert/strict";
import { MessageIndex } from "../../../../src/jetstream/store/msg_index.ts";
import { prng } from "./_harness.ts";

Deno.test("index: per-subject first, last and count follow removals anywhere", () => {
  const ix = new MessageIndex();
  for (let seq = 1; seq <= 9; seq++) ix.append(seq, seq % 3 === 0 ? "a" : "b", seq, 10);
  assert.deepEqual({ ...ix.subjectState("a")! }, {
    id: 1,
    subject: "a",
    msgs: 3,
    first: 3,
    last: 9,
  });
  ix.remove(6);
  assert.equal(ix.nextSameSubject(3), 9);
  assert.equal(ix.prevSameSubject(9), 3);
  ix.remove(3);
  assert.deepEqual([ix.subjectState("a")!.first, ix.subjectState("a")!.last], [9, 9]);
  ix.remove(9);
  assert.equal(ix.subjectState("a"), undefined);
  ix.append(10, "c", 10, 10);
  assert.equal(ix.subjectState("c")!.id, 1, "the freed id is reused");
  assert.deepEqual([ix.msgs, ix.bytes, ix.firstSeq, ix.lastSeq], [7, 70, 1, 10]);
});

Deno.test("index: random appends and removals agree with a naive model, across compactions", () => {
  const rand = prng(11);
  const ix = new MessageIndex(99);
  const model = new Map<number, string>();
  let last = 99;
  for (let step = 0; step < 30_000; step++) {
    if (rand() < 0.55 || model.size === 0) {
      const subject = `s.${Math.floor(rand() * 40)}`;
      ix.append(++last, subject, last * 1000, 20);
      model.set(last, subject);
    } else {
      const keys = [...model.keys()];
      const victim = rand() < 0.3 ? Math.min(...keys) : keys[Math.floor(rand() * keys.length)];
      assert.equal(ix.remove(victim)!.subject, model.get(victim));
      model.delete(victim);
    }
    if (step % 997 === 0) {
      const seqs = [...model.keys()].sort((a, b) => a - b);
      assert.equal(ix.firstSeq, seqs[0] ?? last + 1);
      const from = 100 + Math.floor(rand() * (last - 99));
      assert.equal(ix.countFrom(from), seqs.filter((s) => s >= from).length);
      for (
        const [subject, state] of [...new Set(model.values())].map((s) =>
          [s, ix.subjectState(s)!] as const
        )
      ) {
        const mine = seqs.filter((s) => model.get(s) === subject);
        assert.deepEqual([state.msgs, state.first, state.last], [
          mine.length,
          mine[0],
          mine.at(-1),
        ]);
      }
      assert.equal(ix.numDeleted, seqs.length === 0 ? 0 : last - seqs[0] + 1 - seqs.length);
    }
  }
});

Deno.test("index: seqFromTime skips removed messages and stops past the end", () => {
  const ix = new MessageIndex();
  for (let seq = 1; seq <= 5; seq++) ix.append(seq, "t", seq * 10, 1);
  ix.remove(3);
  assert.equal(ix.seqFromTime(25), 4);
  assert.equal(ix.seqFromTime(5), 1);
  assert.equal(ix.seqFromTime(51), 6);
});
