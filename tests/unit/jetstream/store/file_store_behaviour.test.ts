/**
 * FileStore behaviour beyond the shared suite: group commit (one fsync for a turn's stores),
 * erase really overwrites bytes on disk, dead segments are dropped and mostly-dead ones
 * compacted, an I/O failure stops the store, lazy sync mode trades safety for fsyncs, nothing is
 * readable before it is durable, atomic metadata, and an abandoned store on the real disk.
 */

import assert from "node:assert/strict";
import { FileStore, type FileStoreOptions } from "../../../../src/jetstream/store/file_store.ts";
import { MemoryFileSystem } from "../../../../src/platform/memory_fs.ts";
import { createDenoFileSystem } from "../../../../src/platform/deno_fs.ts";
import { dec, enc } from "./_harness.ts";

const DIR = "/data/s";
const SMALL: FileStoreOptions = { maxSegmentBytes: 1024, compactMinBytes: 256, expiryTimer: false };

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

async function anyFileContains(fs: MemoryFileSystem, needle: string): Promise<boolean> {
  for (const name of await fs.readDir(DIR)) {
    if (contains(fs.peek(`${DIR}/${name}`)!, enc.encode(needle))) return true;
  }
  return false;
}

Deno.test("FileStore: stores issued in one turn share one write and one fsync", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  await s.storeMsg("warm", null, enc.encode("up"));
  const before = { ...fs.stats };
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => s.storeMsg(`g.${i}`, null, enc.encode(`p${i}`))),
  );
  assert.deepEqual(results.map((r) => r.seq), Array.from({ length: 100 }, (_, i) => i + 2));
  assert.equal(fs.stats.syncs - before.syncs, 1);
  assert.equal(fs.stats.writes - before.writes, 1);
  assert.equal(fs.stats.dirSyncs - before.dirSyncs, 0);
  await s.close();
});

Deno.test("FileStore: stores made while an fsync is in flight join the next commit", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  const before = fs.stats.syncs;
  const first = s.storeMsg("a", null, enc.encode("1"));
  await Promise.resolve(); // the first commit has started
  const rest = Array.from({ length: 50 }, () => s.storeMsg("a", null, enc.encode("2")));
  await Promise.all([first, ...rest]);
  assert.ok(fs.stats.syncs - before <= 2, `${fs.stats.syncs - before} syncs for 51 stores`);
  await s.close();
});

Deno.test("FileStore: eraseMsg overwrites the message bytes on disk", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, SMALL);
  for (let i = 0; i < 30; i++) await s.storeMsg("e", null, enc.encode(`SECRET-${i}-payload`));
  const pending = s.storeMsg("e", null, enc.encode("SECRET-inflight-payload"));
  const erasing = s.eraseMsg(31); // still in the open batch
  await Promise.all([pending, erasing]);
  assert.equal(await s.eraseMsg(3), true); // in a sealed segment
  assert.equal(await s.eraseMsg(30), true); // in the active segment
  await s.removeMsg(4); // a plain remove leaves the bytes until compaction
  await s.settle();
  assert.equal(await anyFileContains(fs, "SECRET-2-payload"), false);
  assert.equal(await anyFileContains(fs, "SECRET-29-payload"), false);
  assert.equal(await anyFileContains(fs, "SECRET-inflight-payload"), false);
  assert.equal(await anyFileContains(fs, "SECRET-10-payload"), true);
  await s.close();
  const again = await FileStore.open(fs, DIR, {}, SMALL);
  assert.deepEqual(again.state({ deleted: true }).deleted, [3, 4, 30, 31]);
  assert.equal(again.recovery.lost, null);
  await again.close();
});

Deno.test("FileStore: segments with no live messages are dropped, half-dead ones compacted", async () => {
  const fs = new MemoryFileSystem();
  let s = await FileStore.open(fs, DIR, {}, SMALL);
  for (let i = 0; i < 200; i++) {
    await s.storeMsg(`c.${i % 4}`, null, enc.encode(`m${i}`.padEnd(40, ".")));
  }
  await s.settle();
  const segmentsBefore = s.segmentCount;
  assert.ok(segmentsBefore >= 10);
  await s.compact(101); // the first half: whole segments die
  for (let seq = 101; seq <= 200; seq++) if (seq % 5 !== 0) await s.removeMsg(seq);
  await s.settle();
  // The dead half is dropped; the rest are rewritten down to their live fifth.
  assert.ok(s.segmentCount < segmentsBefore * 0.6, `${s.segmentCount} of ${segmentsBefore} left`);
  const files = (await fs.readDir(DIR)).filter((n) => n.endsWith(".seg"));
  assert.equal(files.length, s.segmentCount);
  const bytesOnDisk = files.reduce((n, f) => n + fs.peek(`${DIR}/${f}`)!.length, 0);
  assert.ok(bytesOnDisk < 4096, `${bytesOnDisk} bytes on disk for 20 live messages`);
  const expected = s.state({ deleted: true });
  await s.close();
  s = await FileStore.open(fs, DIR, {}, SMALL);
  assert.deepEqual(s.state({ deleted: true }), expected);
  assert.equal(s.recovery.lost, null);
  assert.equal(dec.decode((await s.loadMsg(150))!.payload), "m149".padEnd(40, "."));
  await s.close();
});

Deno.test("FileStore: purge drops every old segment and sequences continue", async () => {
  const fs = new MemoryFileSystem();
  let s = await FileStore.open(fs, DIR, {}, SMALL);
  for (let i = 0; i < 100; i++) await s.storeMsg("p", null, enc.encode(`m${i}`.padEnd(30)));
  await s.purge();
  await s.settle();
  assert.equal(s.segmentCount, 1);
  await s.close();
  s = await FileStore.open(fs, DIR, {}, SMALL);
  assert.deepEqual([s.state().msgs, s.state().firstSeq, s.state().lastSeq], [0, 101, 100]);
  await s.close();
});

Deno.test("FileStore: a failed fsync rejects the waiting stores and stops the store", async () => {
  const fs = new MemoryFileSystem();
  let s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  await s.storeMsg("a", null, enc.encode("kept"));
  fs.failNext("sync", (p) => p.endsWith(".seg"));
  const failed = await Promise.allSettled([
    s.storeMsg("a", null, enc.encode("x")),
    s.storeMsg("a", null, enc.encode("y")),
  ]);
  assert.deepEqual(failed.map((r) => r.status), ["rejected", "rejected"]);
  await assert.rejects(() => s.storeMsg("a", null, enc.encode("z")), {
    name: "StoreError",
    code: "io",
  });
  await assert.rejects(() => s.removeMsg(1), { code: "io" });
  await s.close().catch(() => {});
  fs.crash();
  s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  assert.equal(dec.decode((await s.loadMsg(1))!.payload), "kept");
  await s.close();
});

Deno.test("FileStore: lazy sync (UNSAFE) acks before fsync; a power loss can take acked data", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs.mount(), DIR, {}, {
    syncIntervalMs: 60_000,
    expiryTimer: false,
  });
  const before = fs.stats.syncs;
  for (let i = 0; i < 10; i++) await s.storeMsg("l", null, enc.encode(`m${i}`));
  assert.equal(fs.stats.syncs, before, "no fsync per store");
  fs.crash({ kind: "process" });
  await s.close().catch(() => {});
  let again = await FileStore.open(fs.mount(), DIR, {}, { expiryTimer: false });
  assert.equal(again.state().msgs, 10, "a process kill keeps written data");
  await again.close();

  const lazy = await FileStore.open(fs.mount(), DIR, {}, {
    syncIntervalMs: 60_000,
    expiryTimer: false,
  });
  await lazy.storeMsg("l", null, enc.encode("acked but not synced"));
  fs.crash();
  await lazy.close().catch(() => {});
  again = await FileStore.open(fs.mount(), DIR, {}, { expiryTimer: false });
  assert.equal(again.state().msgs, 10, "the acknowledged 11th message is gone: why lazy is unsafe");
  await again.close();
});

Deno.test("FileStore: a message cannot be read before it is durable", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  const events: string[] = [];
  const stored = s.storeMsg("a", null, enc.encode("x")).then(() => events.push("stored"));
  const loaded = s.loadMsg(1).then((m) => events.push(`loaded ${m?.seq}`));
  await Promise.all([stored, loaded]);
  assert.deepEqual(events, ["stored", "loaded 1"]);
  await s.close();
});

Deno.test("FileStore: a message bigger than a segment gets a segment of its own", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, SMALL);
  await s.storeMsg("a", null, enc.encode("small"));
  const big = new Uint8Array(5000).fill(7);
  await s.storeMsg("a", null, big);
  await s.storeMsg("a", null, enc.encode("after"));
  await s.close();
  const again = await FileStore.open(fs, DIR, {}, { ...SMALL, cacheBytes: 0 });
  assert.deepEqual((await again.loadMsg(2))!.payload, big);
  assert.equal(dec.decode((await again.loadMsg(3))!.payload), "after");
  await again.close();
});

Deno.test("FileStore: writeMeta replaces the stream metadata atomically", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  assert.equal(await FileStore.readMeta(fs, DIR), null);
  await s.writeMeta(enc.encode('{"name":"s","v":1}'));
  await s.writeMeta(enc.encode('{"name":"s","v":2}'));
  fs.crash();
  assert.equal(dec.decode((await FileStore.readMeta(fs, DIR))!), '{"name":"s","v":2}');
  await s.close().catch(() => {});
});

Deno.test("FileStore: delete removes the stream directory", async () => {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  await s.storeMsg("a", null, enc.encode("x"));
  await s.delete();
  assert.equal(await fs.stat(DIR), null);
});

Deno.test("FileStore: the consumer log is compacted and stays exact", async () => {
  const fs = new MemoryFileSystem();
  let s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  const c = await s.consumerStore("c", { ackPolicy: "explicit", maxDeliver: -1 });
  for (let i = 1; i <= 12_000; i++) {
    const p = c.updateDelivered(i, i, 1, i);
    if (i > 3) void c.updateAcks(i - 3, i - 3);
    if (i % 500 === 0) await p;
  }
  await s.settle();
  const expected = c.state();
  const logSize = fs.peek(`${DIR}/consumers.log`)!.length;
  assert.ok(logSize < 1_500_000, `log is ${logSize} bytes`);
  await s.close();
  s = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  assert.deepEqual(
    (await s.consumerStore("c", { ackPolicy: "explicit", maxDeliver: -1 })).state(),
    expected,
  );
  await s.close();
});

Deno.test("FileStore (deno fs): a store abandoned without close is recovered by the next open", async () => {
  const root = await Deno.makeTempDir({ prefix: "skiff-abandon-" });
  const fs = createDenoFileSystem();
  const dir = `${root}/streams/s`;
  const first = await FileStore.open(fs, dir, {}, { maxSegmentBytes: 4096, expiryTimer: false });
  const c = await first.consumerStore("c", { ackPolicy: "explicit", maxDeliver: -1 });
  for (let i = 1; i <= 200; i++) await first.storeMsg(`k.${i % 7}`, null, enc.encode(`v${i}`));
  await first.removeMsg(50);
  await c.updateDelivered(1, 10, 1, 1);
  await c.updateDelivered(2, 11, 1, 2);
  await c.updateAcks(1, 10);
  const second = await FileStore.open(fs, dir, {}, { maxSegmentBytes: 4096, expiryTimer: false });
  try {
    assert.equal(second.state().msgs, 199);
    assert.equal(await second.loadMsg(50), null);
    assert.equal(dec.decode((await second.loadLastMsg("k.3"))!.payload), "v199");
    const back = (await second.consumerStore("c", { ackPolicy: "explicit", maxDeliver: -1 }))
      .state();
    assert.deepEqual(back.ackFloor, { consumerSeq: 1, streamSeq: 10 });
    assert.deepEqual([...back.pending.keys()], [11]);
  } finally {
    await second.close();
    await first.close();
    await Deno.remove(root, { recursive: true });
  }
});
