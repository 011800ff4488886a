/**
 * FileStore against damaged files (bit flips, truncation, garbage, bad sidecars): only the
 * damaged records are lost, later records and segments always survive, the loss is reported
 * (recovery report and state().lost) once and recorded as deletion so it is not reported again,
 * and a single flipped header bit is corrected outright.
 */

import assert from "node:assert/strict";
import { FileStore, type FileStoreOptions } from "../../../../src/jetstream/store/file_store.ts";
import { scanSegment } from "../../../../src/jetstream/store/segment_scan.ts";
import { MemoryFileSystem } from "../../../../src/platform/memory_fs.ts";
import { dec, enc } from "./_harness.ts";

const DIR = "/data/s";
const OPTS: FileStoreOptions = {
  maxSegmentBytes: 1024,
  compactMinBytes: 1 << 30,
  expiryTimer: false,
};

/** A closed store of `n` messages ("body-<seq>") spread over several segments. */
async function seeded(n = 60, opts: FileStoreOptions = OPTS) {
  const fs = new MemoryFileSystem();
  const s = await FileStore.open(fs, DIR, {}, opts);
  for (let i = 1; i <= n; i++) await s.storeMsg(`d.${i % 3}`, null, enc.encode(`body-${i}`));
  await s.settle();
  await s.close();
  return fs;
}

async function segmentFiles(fs: MemoryFileSystem): Promise<string[]> {
  return (await fs.readDir(DIR)).filter((n) => n.endsWith(".seg"));
}

/** Where message `seq`'s record is: file, offset, length. */
async function locate(fs: MemoryFileSystem, seq: number) {
  for (const name of await segmentFiles(fs)) {
    const m = scanSegment(0, fs.peek(`${DIR}/${name}`)!, false).msgs.find((x) => x.seq === seq);
    if (m !== undefined) return { path: `${DIR}/${name}`, offset: m.offset, length: m.length };
  }
  throw new Error(`seq ${seq} not on disk`);
}

async function assertIntactExcept(s: FileStore, n: number, lost: number[]) {
  for (let seq = 1; seq <= n; seq++) {
    const m = await s.loadMsg(seq);
    if (lost.includes(seq)) assert.equal(m, null, `seq ${seq} should be lost`);
    else assert.equal(dec.decode(m!.payload), `body-${seq}`, `seq ${seq} should survive`);
  }
}

Deno.test("FileStore damage: a flipped payload bit loses only that message, reported once", async () => {
  const fs = await seeded();
  const at = await locate(fs, 25);
  fs.flipBit(at.path, at.offset + at.length - 8, 3);
  let s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.deepEqual(s.recovery.lost, { msgs: [25], bytes: at.length });
  assert.deepEqual(s.state().lost, { msgs: [25], bytes: at.length });
  assert.equal(s.recovery.damagedFiles.length, 1);
  await assertIntactExcept(s, 60, [25]);
  assert.deepEqual(s.state({ deleted: true }).deleted, [25]);
  await s.settle();
  await s.close();
  s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.equal(s.recovery.lost, null, "recorded as deleted and rewritten: not reported again");
  assert.deepEqual(s.recovery.damagedFiles, []);
  assert.deepEqual(s.state({ deleted: true }).deleted, [25]);
  await s.close();
});

Deno.test("FileStore damage: a single flipped header bit is corrected and nothing is lost", async () => {
  const fs = await seeded();
  for (const [seq, byte] of [[10, 20], [30, 2], [45, 41]]) {
    const at = await locate(fs, seq);
    fs.flipBit(at.path, at.offset + byte, 5); // seq field, magic, header checksum
  }
  const s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.equal(s.recovery.repairedRecords, 3);
  assert.equal(s.recovery.lost, null);
  await assertIntactExcept(s, 60, []);
  await s.close();
});

Deno.test("FileStore damage: a garbled header resynchronises on the next record", async () => {
  const fs = await seeded();
  const at = await locate(fs, 31);
  fs.overwrite(at.path, at.offset, enc.encode("garbage!garbage!"));
  const s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.deepEqual(s.recovery.lost?.msgs, [31]);
  await assertIntactExcept(s, 60, [31]);
  assert.equal((await s.storeMsg("d.0", null, enc.encode("body-61"))).seq, 61);
  await s.close();
});

Deno.test("FileStore damage: a truncated middle segment loses only its cut-off records", async () => {
  const fs = await seeded();
  const files = await segmentFiles(fs);
  assert.ok(files.length >= 4);
  const victim = `${DIR}/${files[1]}`;
  const before = scanSegment(0, fs.peek(victim)!, false).msgs.map((m) => m.seq);
  const cut = scanSegment(0, fs.peek(victim)!, false).msgs[3];
  fs.truncateFile(victim, cut.offset + 10);
  const lost = before.filter((seq) => seq >= cut.seq);
  const s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.deepEqual(s.recovery.lost?.msgs, lost);
  await assertIntactExcept(s, 60, lost);
  await s.close();
});

Deno.test("FileStore damage: a whole middle segment of garbage loses exactly its messages", async () => {
  const fs = await seeded();
  const files = await segmentFiles(fs);
  const victim = `${DIR}/${files[2]}`;
  const seqs = scanSegment(0, fs.peek(victim)!, false).msgs.map((m) => m.seq);
  const junk = new Uint8Array(fs.peek(victim)!.length).map((_, i) => (i * 131 + 7) & 0xff);
  fs.overwrite(victim, 0, junk);
  const s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.deepEqual(s.recovery.lost?.msgs, seqs);
  await assertIntactExcept(s, 60, seqs);
  assert.equal(s.state().lastSeq, 60);
  await s.close();
});

Deno.test("FileStore damage: zeros after the last record are a torn append, cut silently", async () => {
  const fs = await seeded(10);
  const last = (await segmentFiles(fs)).at(-1)!;
  const size = fs.peek(`${DIR}/${last}`)!.length;
  fs.overwrite(`${DIR}/${last}`, size, new Uint8Array(300));
  const s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.equal(s.recovery.truncatedBytes, 300);
  assert.equal(s.recovery.lost, null);
  await assertIntactExcept(s, 10, []);
  await s.storeMsg("d.0", null, enc.encode("body-11"));
  await s.close();
  const again = await FileStore.open(fs, DIR, {}, OPTS);
  await assertIntactExcept(again, 11, []);
  await again.close();
});

Deno.test("FileStore damage: a flipped bit in the last record of the last segment is reported", async () => {
  const fs = await seeded(10);
  const at = await locate(fs, 10);
  fs.flipBit(at.path, at.offset + at.length - 2, 0);
  const s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.deepEqual(s.recovery.lost?.msgs, [10]);
  assert.equal(s.state().lastSeq, 10, "its sequence is not handed out again");
  assert.equal((await s.storeMsg("d.0", null, enc.encode("x"))).seq, 11);
  await s.close();
});

Deno.test("FileStore damage: corruption found when reading drops that message durably", async () => {
  const fs = await seeded(30);
  const s = await FileStore.open(fs, DIR, {}, { ...OPTS, cacheBytes: 0 });
  const at = await locate(fs, 12);
  fs.flipBit(at.path, at.offset + at.length - 6, 1);
  assert.equal(await s.loadMsg(12), null);
  assert.deepEqual(s.state().lost?.msgs, [12]);
  assert.equal(s.state().msgs, 29);
  assert.equal((await s.loadNextMsg(">", 12))!.seq, 13);
  await s.close();
  const again = await FileStore.open(fs, DIR, {}, OPTS);
  assert.equal(await again.loadMsg(12), null);
  assert.equal(again.state().msgs, 29);
  await again.close();
});

Deno.test("FileStore damage: the consumer log keeps every intact change around a damaged one", async () => {
  const fs = new MemoryFileSystem();
  let s = await FileStore.open(fs, DIR, {}, OPTS);
  const c = await s.consumerStore("c", { ackPolicy: "explicit", maxDeliver: -1 });
  for (let i = 1; i <= 5; i++) await c.updateDelivered(i, i, 1, i);
  await s.close();
  const log = fs.peek(`${DIR}/consumers.log`)!;
  fs.overwrite(`${DIR}/consumers.log`, log.length, enc.encode("torn-tail"));
  s = await FileStore.open(fs, DIR, {}, OPTS);
  assert.equal(s.consumerRecovery.truncatedBytes, 9);
  const back = await s.consumerStore("c", { ackPolicy: "explicit", maxDeliver: -1 });
  assert.deepEqual([...back.state().pending.keys()], [1, 2, 3, 4, 5]);
  await s.close();
});

for (const verifyOnOpen of [true, false]) {
  const mode = verifyOnOpen ? "full verify" : "fast open";
  Deno.test(`FileStore sidecars (${mode}): missing or corrupt index sidecars are rebuilt`, async () => {
    const fs = await seeded(80);
    const opts = { ...OPTS, verifyOnOpen };
    let s = await FileStore.open(fs, DIR, {}, opts);
    const expected = s.state({ deleted: true });
    const subjects = s.subjectsState(">");
    await s.close();
    const sidecars = (await fs.readDir(DIR)).filter((n) => n.endsWith(".idx"));
    assert.ok(sidecars.length >= 3, "sealed segments have sidecars");
    await fs.remove(`${DIR}/${sidecars[0]}`);
    fs.flipBit(`${DIR}/${sidecars[1]}`, 40, 2);
    fs.overwrite(
      `${DIR}/${sidecars[2]}`,
      0,
      fs.peek(`${DIR}/${sidecars[0 + 3] ?? sidecars[1]}`) ?? new Uint8Array(8),
    );
    s = await FileStore.open(fs, DIR, {}, opts);
    assert.equal(s.recovery.rebuiltSidecars, 3);
    assert.deepEqual(s.state({ deleted: true }), expected);
    assert.deepEqual(s.subjectsState(">"), subjects);
    await assertIntactExcept(s, 80, []);
    await s.settle();
    await s.close();
    s = await FileStore.open(fs, DIR, {}, opts);
    assert.equal(s.recovery.rebuiltSidecars, 0);
    assert.deepEqual(s.state({ deleted: true }), expected);
    await s.close();
  });
}

Deno.test("FileStore sidecars: a fast open trusts valid sidecars and reads no sealed segment", async () => {
  const fs = await seeded(80);
  let reads = 0;
  const counting = { ...fs.mount() };
  counting.readFile = (path: string) => {
    if (path.endsWith(".seg")) reads++;
    return fs.readFile(path);
  };
  const s = await FileStore.open(counting, DIR, {}, { ...OPTS, verifyOnOpen: false });
  assert.equal(reads, 1, "only the last (active) segment is scanned");
  await assertIntactExcept(s, 80, []);
  await s.close();
});
