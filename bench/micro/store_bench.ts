/**
 * Message store micro benchmarks on the real disk (a temp dir): appends with group commit at 1,
 * 100 and 1000 concurrent stores (each store resolves only after fsync, so the 1-concurrent
 * case measures fsyncs per second), the lazy (UNSAFE, nats-server-like) mode for comparison,
 * load by sequence from disk and from the cache, last-by-subject on a KV-like stream, and
 * recovery of a 100k-message stream (full verify and sidecar fast open).
 * Run: deno bench -A bench/micro/store_bench.ts
 */

import { FileStore } from "../../src/jetstream/store/file_store.ts";
import { MemStore } from "../../src/jetstream/store/mem_store.ts";
import { createDenoFileSystem } from "../../src/platform/deno_fs.ts";

const fs = createDenoFileSystem();
const root = await Deno.makeTempDir({ prefix: "skiff-store-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));

const PAYLOAD = new Uint8Array(128).fill(0x61);
const noTimer = { expiryTimer: false };

const safe = await FileStore.open(fs, `${root}/append`, {}, noTimer);
const lazy = await FileStore.open(fs, `${root}/lazy`, {}, { ...noTimer, syncIntervalMs: 1000 });

function storeBurst(store: FileStore | MemStore, n: number): Promise<unknown> {
  const ps = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = store.storeMsg(`bench.${i & 63}`, null, PAYLOAD);
  return Promise.all(ps);
}

for (const n of [1, 100, 1000]) {
  Deno.bench(`append ${n} concurrent x 128 B, fsync before ack (group commit)`, {
    group: "append",
    baseline: n === 1,
  }, async () => {
    await storeBurst(safe, n);
  });
}

Deno.bench("append 1000 concurrent x 128 B, lazy sync (UNSAFE, nats-server default)", {
  group: "append",
}, async () => {
  await storeBurst(lazy, 1000);
});

Deno.bench("append 1000 concurrent x 128 B, MemStore", { group: "append" }, async () => {
  await storeBurst(mem, 1000);
});
const mem = new MemStore({}, noTimer);

// A 100k-message stream on disk for reads and recovery.
const READ_DIR = `${root}/read`;
const N = 100_000;
{
  const s = await FileStore.open(fs, READ_DIR, {}, noTimer);
  for (let i = 0; i < N; i += 1000) {
    const ps = [];
    for (let j = 0; j < 1000; j++) ps.push(s.storeMsg(`kv.key${(i + j) % 10_000}`, null, PAYLOAD));
    await Promise.all(ps);
  }
  await s.settle();
  await s.close();
}
const cold = await FileStore.open(fs, READ_DIR, {}, { ...noTimer, cacheBytes: 0 });
const warm = await FileStore.open(fs, `${READ_DIR}`, {}, { ...noTimer, verifyOnOpen: false });
let next = 1;

Deno.bench(
  "loadMsg by seq from disk (cache off), 100k-message stream",
  { group: "read" },
  async () => {
    await cold.loadMsg(next);
    next = next % N + 1;
  },
);

Deno.bench("loadMsg by seq, cache hit", { group: "read" }, async () => {
  await warm.loadMsg(N);
});

let key = 0;
Deno.bench("loadLastMsg by literal subject (KV get), 10k keys", { group: "read" }, async () => {
  await cold.loadLastMsg(`kv.key${key++ % 10_000}`);
});

Deno.bench("numPending literal subject from the middle (10 of 100k match)", {
  group: "read",
}, () => {
  cold.numPending("kv.key42", N / 2);
});

Deno.bench("numPending wildcard 'kv.*' (covers every subject) from the middle", {
  group: "read",
}, () => {
  cold.numPending("kv.*", N / 2);
});

Deno.bench("numPending all subjects from the middle", { group: "read" }, () => {
  cold.numPending(">", N / 2);
});

Deno.bench("recover 100k messages (full checksum verify)", { group: "open", n: 5 }, async () => {
  const s = await FileStore.open(fs, `${root}/reopen`, {}, noTimer);
  await s.close();
});

Deno.bench(
  "recover 100k messages (fast open from index sidecars)",
  { group: "open", n: 5 },
  async () => {
    const s = await FileStore.open(fs, `${root}/reopen`, {}, { ...noTimer, verifyOnOpen: false });
    await s.close();
  },
);
// The open benches use a copy, so the read benches' open stores are untouched.
await Deno.mkdir(`${root}/reopen`);
for await (const e of Deno.readDir(READ_DIR)) {
  await Deno.copyFile(`${READ_DIR}/${e.name}`, `${root}/reopen/${e.name}`);
}
