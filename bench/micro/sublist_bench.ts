/**
 * Sublist micro benchmarks: bulk insert with wildcards, literal match through the cache, match on
 * a cache miss (cache disabled), wildcard-heavy match, and subscribe/unsubscribe churn.
 * Run: deno bench -A bench/micro/sublist_bench.ts
 */

import { Sublist } from "../../src/subject/mod.ts";

class Sub {
  constructor(readonly subject: string, readonly queue: string | null = null) {}
}

/** A realistic mix: mostly literals, a fifth `*` subscriptions, some `>` and queue members. */
function makeSubs(n: number): Sub[] {
  const subs: Sub[] = [];
  for (let i = 0; i < n; i++) {
    const m = i % 10;
    if (m < 6) subs.push(new Sub(`svc.${i % 100}.req.${i}`));
    else if (m < 8) subs.push(new Sub(`svc.*.req.${i}`));
    else if (m === 8) subs.push(new Sub(`evt.${i % 1000}.>`));
    else subs.push(new Sub(`svc.${i % 100}.req.${i}`, `q${i % 10}`));
  }
  return subs;
}

const SUBS_10K = makeSubs(10_000);
const SUBS_100K = makeSubs(100_000);

function filled(subs: readonly Sub[], cache: boolean): Sublist<Sub> {
  const sl = new Sublist<Sub>({ cache });
  for (const s of subs) sl.insert(s);
  return sl;
}

Deno.bench("sublist insert 10k subs (with wildcards)", { group: "insert" }, () => {
  const sl = new Sublist<Sub>();
  for (const s of SUBS_10K) sl.insert(s);
});

Deno.bench("sublist insert 100k subs (with wildcards)", { group: "insert" }, () => {
  const sl = new Sublist<Sub>();
  for (const s of SUBS_100K) sl.insert(s);
});

const cached = filled(SUBS_100K, true);
const uncached = filled(SUBS_100K, false);
// 10 distinct hot subjects: the steady state of a publisher loop, all cache hits.
const HOT = Array.from({ length: 10 }, (_, i) => `svc.${i}.req.${i}`);
let hot = 0;

Deno.bench("sublist match literal, cache hit (100k subs)", { group: "match" }, () => {
  cached.match(HOT[hot++ % HOT.length]);
});

// The parser hands over a freshly decoded string per message, whose hash V8 has not computed yet;
// slicing out of a protocol line reproduces that cost, which the cached-string case above hides.
const LINES = HOT.map((s) => `PUB ${s} 5`);
Deno.bench("sublist match literal, cache hit, fresh subject string", { group: "match" }, () => {
  const line = LINES[hot++ % LINES.length];
  cached.match(line.slice(4, line.length - 2));
});

// One publisher repeating one subject: served by the last-subject memo without hashing.
Deno.bench("sublist match literal, one repeated subject, fresh string", { group: "match" }, () => {
  const line = LINES[3];
  cached.match(line.slice(4, line.length - 2));
});

Deno.bench("sublist match literal, cache miss/disabled (100k subs)", { group: "match" }, () => {
  uncached.match(HOT[hot++ % HOT.length]);
});

// Many wildcard entries along every path: `*`, `>` and literal nodes at several levels.
const wild = new Sublist<Sub>({ cache: false });
for (const s of SUBS_10K) wild.insert(s);
for (const p of ["svc.>", "svc.*.>", "*.*.req.*", ">", "svc.3.*.*", "*.3.req.>"]) {
  for (let k = 0; k < 5; k++) wild.insert(new Sub(p, k % 2 ? null : "wq"));
}
Deno.bench("sublist match wildcard-heavy, cache disabled (10k subs)", { group: "match" }, () => {
  wild.match(`svc.3.req.${3 + 100 * (hot++ % 100)}`);
});

// Churn: one sub in and out on a populated list while a publisher keeps its cache warm.
const churn = filled(SUBS_10K, true);
for (const subject of HOT) churn.match(subject);
let seq = 0;
Deno.bench("sublist churn insert+remove literal (10k subs, warm cache)", { group: "churn" }, () => {
  const s = new Sub(`inbox.${seq++}.reply`);
  churn.insert(s);
  churn.remove(s);
});

Deno.bench(
  "sublist churn insert+remove wildcard (10k subs, warm cache)",
  { group: "churn" },
  () => {
    const s = new Sub(`_INBOX.${seq++}.*`);
    churn.insert(s);
    churn.remove(s);
  },
);

// Worst case for invalidation: a wildcard change walks every cached subject (as nats-server's
// addToCache/removeFromCache do), so this scales with the cache size, here full at 1024.
const full = filled(SUBS_10K, true);
for (let i = 0; i < 1024; i++) full.match(`svc.${i % 100}.req.${i}`);
Deno.bench("sublist churn insert+remove wildcard (full 1024 cache)", { group: "churn" }, () => {
  const s = new Sub(`_INBOX.${seq++}.*`);
  full.insert(s);
  full.remove(s);
});
