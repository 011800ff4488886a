/**
 * Randomized checks: Sublist.match against a naive scan with matchSubject, over interleaved
 * inserts, removes and matches from a small token alphabet (so patterns overlap a lot). Seeded, so
 * a failure reproduces; the message names the seed and step.
 */

import assert from "node:assert/strict";
import { matchSubject, Sublist, type SublistOptions } from "../../../src/subject/mod.ts";

class Sub {
  constructor(readonly subject: string, readonly queue: string | null, readonly id: number) {}
}

/** mulberry32: a tiny seeded PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LITERAL_TOKENS = ["a", "b", "c", "d"];
const PATTERN_TOKENS = ["a", "b", "c", "*", "*", ">"];
const QUEUES = [null, null, null, "q1", "q2"];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function randomSubject(rand: () => number, tokens: readonly string[]): string {
  const n = 1 + Math.floor(rand() * 4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = pick(rand, tokens);
    out.push(t === ">" && i < n - 1 ? "*" : t);
  }
  return out.join(".");
}

/** Canonical form of a match: sorted plain ids and sorted "queue:ids" groups. */
function canonical(plain: readonly Sub[], queues: readonly (readonly Sub[])[]): string {
  const p = plain.map((s) => s.id).sort((x, y) => x - y).join(",");
  const q = queues.map((g) => {
    assert.ok(g.length > 0, "queue group arrays are never empty");
    const name = g[0].queue;
    assert.ok(g.every((s) => s.queue === name), "a group holds one queue name");
    return `${name}:${g.map((s) => s.id).sort((x, y) => x - y).join(",")}`;
  }).sort();
  assert.equal(new Set(queues.map((g) => g[0].queue)).size, queues.length, "one array per name");
  return `${p} | ${q.join(" ")}`;
}

function naive(live: ReadonlySet<Sub>, subject: string): string {
  const plain: Sub[] = [];
  const groups = new Map<string, Sub[]>();
  for (const s of live) {
    if (!matchSubject(subject, s.subject)) continue;
    if (s.queue === null) plain.push(s);
    else {
      let g = groups.get(s.queue);
      if (g === undefined) groups.set(s.queue, g = []);
      g.push(s);
    }
  }
  return canonical(plain, [...groups.values()]);
}

function run(seed: number, opts: SublistOptions, steps: number): void {
  const rand = mulberry32(seed);
  const sl = new Sublist<Sub>(opts);
  const live = new Set<Sub>();
  const liveList: Sub[] = [];
  let nextId = 0;
  let lastGen = sl.genId;
  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed} step ${step} ${JSON.stringify(opts)}`;
    const op = rand();
    if (op < 0.3) {
      const s = new Sub(randomSubject(rand, PATTERN_TOKENS), pick(rand, QUEUES), nextId++);
      sl.insert(s);
      live.add(s);
      liveList.push(s);
      assert.notEqual(sl.genId, lastGen, where);
    } else if (op < 0.5 && liveList.length > 0) {
      const i = Math.floor(rand() * liveList.length);
      const s = liveList[i];
      liveList[i] = liveList[liveList.length - 1];
      liveList.pop();
      live.delete(s);
      assert.equal(sl.remove(s), true, where);
      assert.notEqual(sl.genId, lastGen, where);
    } else if (op < 0.53) {
      // A never-inserted entry: remove must refuse it without side effects.
      const ghost = new Sub(randomSubject(rand, PATTERN_TOKENS), pick(rand, QUEUES), -1);
      assert.equal(sl.remove(ghost), false, where);
      assert.equal(sl.genId, lastGen, where);
    } else {
      const subject = randomSubject(rand, LITERAL_TOKENS);
      const r = sl.match(subject);
      const expected = naive(live, subject);
      assert.equal(canonical(r.plain, r.queues), expected, `${where} match ${subject}`);
      assert.equal(sl.hasInterest(subject), r.plain.length + r.queues.length > 0, where);
    }
    lastGen = sl.genId;
    assert.equal(sl.count, live.size, where);
  }
  assert.equal(sl.entries().length, live.size);
  for (const s of [...live]) sl.remove(s);
  assert.equal(sl.count, 0);
  assert.equal(sl.nodeCount, 0, "all nodes pruned once empty");
}

const CONFIGS: [string, SublistOptions][] = [
  ["cache on", {}],
  ["cache off", { cache: false }],
  ["cache of size 4", { cacheSize: 4 }],
];

for (const [name, opts] of CONFIGS) {
  Deno.test(`sublist random: match equals a naive scan with ${name}`, () => {
    for (const seed of [1, 2, 3, 0xdecaf, 20240601]) run(seed, opts, 4_000);
  });
}

Deno.test("sublist random: held results stay equal to the state they were taken from", () => {
  const rand = mulberry32(99);
  const sl = new Sublist<Sub>({ cacheSize: 8 });
  const live = new Set<Sub>();
  const held: { subject: string; result: ReturnType<typeof sl.match>; expected: string }[] = [];
  for (let step = 0; step < 3_000; step++) {
    const op = rand();
    if (op < 0.4) {
      const s = new Sub(randomSubject(rand, PATTERN_TOKENS), pick(rand, QUEUES), step);
      sl.insert(s);
      live.add(s);
    } else if (op < 0.7 && live.size > 0) {
      const s = [...live][Math.floor(rand() * live.size)];
      sl.remove(s);
      live.delete(s);
    } else {
      const subject = randomSubject(rand, LITERAL_TOKENS);
      const result = sl.match(subject);
      held.push({ subject, result, expected: naive(live, subject) });
    }
  }
  for (const h of held) {
    assert.equal(canonical(h.result.plain, h.result.queues), h.expected, h.subject);
  }
});
