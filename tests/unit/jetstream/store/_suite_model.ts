/**
 * The shared behavioural suite, part 4: seeded random operations checked against a naive
 * reference model after every step: state, per-subject counts, last / next by filter, pending
 * counts. Exercises the per-subject index (linked lists, reused subject ids, compaction of the
 * index columns) far beyond the hand-written cases; persistent stores are also reopened at
 * random points.
 */

import assert from "node:assert/strict";
import type { StreamStore } from "../../../../src/jetstream/store/store.ts";
import { dec, enc, type HarnessFactory, prng, withHarness } from "./_harness.ts";

const SUBJECTS = ["a", "b", "c"].flatMap((x) => ["x", "y", "z"].map((y) => `m.${x}.${y}`));
const FILTERS = [">", "", "m.a.*", "m.*.x", "m.b.y", "m.>", "q.*", "*.c.z"];

function matches(subject: string, filter: string): boolean {
  if (filter === "" || filter === ">") return true;
  const s = subject.split(".");
  const f = filter.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return s.length > i;
    if (i >= s.length || (f[i] !== "*" && f[i] !== s[i])) return false;
  }
  return s.length === f.length;
}

class Model {
  msgs = new Map<number, { subject: string; body: string }>();
  lastSeq = 0;
  perSubject: number;
  constructor(perSubject: number) {
    this.perSubject = perSubject;
  }
  seqs(): number[] {
    return [...this.msgs.keys()].sort((a, b) => a - b);
  }
  store(subject: string, body: string): void {
    this.msgs.set(++this.lastSeq, { subject, body });
    if (this.perSubject > 0) {
      const mine = this.seqs().filter((s) => this.msgs.get(s)!.subject === subject);
      for (const s of mine.slice(0, Math.max(0, mine.length - this.perSubject))) {
        this.msgs.delete(s);
      }
    }
  }
  matching(filter: string, from = 0): number[] {
    return this.seqs().filter((s) => s >= from && matches(this.msgs.get(s)!.subject, filter));
  }
}

async function check(s: StreamStore, m: Model, rand: () => number): Promise<void> {
  const seqs = m.seqs();
  const st = s.state({ deleted: true });
  assert.equal(st.msgs, seqs.length);
  assert.equal(st.lastSeq, m.lastSeq);
  assert.equal(st.firstSeq, seqs.length > 0 ? seqs[0] : m.lastSeq + 1);
  const subjects = new Map<string, number>();
  for (const seq of seqs) {
    const subj = m.msgs.get(seq)!.subject;
    subjects.set(subj, (subjects.get(subj) ?? 0) + 1);
  }
  assert.deepEqual(new Map([...s.subjectsState(">")].sort()), new Map([...subjects].sort()));
  assert.equal(st.numSubjects, subjects.size);
  const expectDeleted: number[] = [];
  for (let q = st.firstSeq; seqs.length > 0 && q <= m.lastSeq; q++) {
    if (!m.msgs.has(q)) expectDeleted.push(q);
  }
  assert.deepEqual(st.deleted, expectDeleted);
  for (const f of FILTERS) {
    const all = m.matching(f);
    assert.equal((await s.loadLastMsg(f))?.seq ?? 0, all[all.length - 1] ?? 0, `last ${f}`);
    const from = Math.floor(rand() * (m.lastSeq + 2));
    const after = m.matching(f, from);
    const next = await s.loadNextMsg(f, from);
    assert.equal(next?.seq ?? 0, after[0] ?? 0, `next ${f} from ${from}`);
    if (next !== null) assert.equal(dec.decode(next.payload), m.msgs.get(next.seq)!.body);
    assert.equal(s.numPending(f, from), after.length, `pending ${f} from ${from}`);
    const lastPer = new Map<string, number>();
    for (const q of all) lastPer.set(m.msgs.get(q)!.subject, q);
    const perSubj = [...lastPer.values()].filter((q) => q >= from).length;
    assert.equal(s.numPending(f, from, true), perSubj, `last-per-subject ${f}`);
    assert.deepEqual(s.lastSeqsPerSubject(f), [...lastPer.values()].sort((a, b) => a - b));
  }
}

export function modelSuite(kind: string, factory: HarnessFactory, persistent: boolean): void {
  for (const [seed, perSubject] of [[1, 0], [2, 3], [3, 0], [4, 1]]) {
    Deno.test(`${kind}: random operations match a reference model (seed ${seed}, per-subject ${perSubject})`, () =>
      withHarness(factory, async (h) => {
        const rand = prng(seed);
        const m = new Model(perSubject);
        let s = await h.create({ maxMsgsPerSubject: perSubject });
        for (let step = 0; step < 300; step++) {
          const r = rand();
          if (r < 0.6) {
            const burst = 1 + Math.floor(rand() * 5);
            const subjects = Array.from(
              { length: burst },
              () => SUBJECTS[Math.floor(rand() * SUBJECTS.length)],
            );
            await Promise.all(subjects.map((subj, i) => {
              const body = `b${m.lastSeq + 1 + i}`;
              return s.storeMsg(subj, null, enc.encode(body));
            }));
            subjects.forEach((subj) => m.store(subj, `b${m.lastSeq + 1}`));
          } else if (r < 0.85) {
            const seqs = m.seqs();
            if (seqs.length === 0) continue;
            const seq = seqs[Math.floor(rand() * seqs.length)];
            assert.equal(await (rand() < 0.5 ? s.removeMsg(seq) : s.eraseMsg(seq)), true);
            m.msgs.delete(seq);
          } else if (r < 0.92) {
            const f = FILTERS[2 + Math.floor(rand() * 4)];
            const keep = rand() < 0.5 ? Math.floor(rand() * 3) : 0;
            let victims = m.matching(f);
            victims = victims.slice(0, Math.max(0, victims.length - keep));
            assert.equal(await s.purge({ filter: f, keep }), victims.length);
            for (const q of victims) m.msgs.delete(q);
          } else if (r < 0.95) {
            const upTo = m.lastSeq - Math.floor(rand() * 10);
            await s.compact(upTo);
            for (const q of m.seqs()) if (q < upTo) m.msgs.delete(q);
          } else if (persistent) {
            s = await h.reopen!(s);
          }
          await check(s, m, rand);
        }
      }));
  }
}
