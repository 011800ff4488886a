/**
 * Opening a FileStore directory: reads every segment (or, for a fast open, the sealed segments'
 * index sidecars), checks every record, and works out the store's watermarks (floor, last
 * sequence and time), the deletion facts, and exactly which messages were lost to damage.
 *
 * A message counts as lost when it lies in a damaged region's sequence bounds (or its damaged
 * header names it), is at or above the floor, is not recorded as deleted anywhere, and has no
 * intact copy. Gaps left by compaction are not loss: a rewritten segment records its own
 * deletions. Leftover temp files and orphan sidecars are removed.
 */

import type { FileSystem } from "../../platform/types.ts";
import { MARK_RECORD_SIZE, readHeader, readMarkPayload, RecordKind } from "./record.ts";
import { scanSegment, type SegmentScan } from "./segment_scan.ts";
import { decodeSidecar } from "./segment_sidecar.ts";
import { parseSegmentId, segmentFileName, sidecarFileName } from "./segment.ts";
import type { LostData } from "./store.ts";

/** Lost sequences listed per damaged region at most (the byte count still covers it all). */
const MAX_LOST_PER_REGION = 1_000_000;

export interface RecoveryReport {
  durationMs: number;
  segments: number;
  /** Messages present after recovery. */
  msgs: number;
  lost: LostData | null;
  /** Segment files in which damage was found (they are rewritten without it). */
  damagedFiles: string[];
  /** Bytes of damaged records skipped, whether or not they held live messages. */
  damagedBytes: number;
  /** Bytes of a torn (never acknowledged) append cut off the last segment. */
  truncatedBytes: number;
  /** Records whose single flipped header bit was corrected. */
  repairedRecords: number;
  /** Index sidecars found missing, stale or corrupt (rewritten after open). */
  rebuiltSidecars: number;
  /** Leftovers removed: temp files, sidecars without a segment. */
  removedFiles: string[];
}

export interface RecoveredSegments {
  scans: SegmentScan[];
  floor: number;
  lastSeq: number;
  lastTs: number;
  deleted: Set<number>;
  lost: number[];
  lostBytes: number;
  /** Ids of segments whose sidecar must be written. */
  staleSidecars: number[];
  /** Ids of segments with damage or repaired records (to be rewritten clean). */
  damagedSegments: number[];
  report: Omit<RecoveryReport, "durationMs" | "msgs" | "lost">;
}

export async function recoverSegments(
  fs: FileSystem,
  dir: string,
  verifyOnOpen: boolean,
): Promise<RecoveredSegments> {
  const names = await fs.readDir(dir);
  const removedFiles: string[] = [];
  const segIds = names.map((n) => parseSegmentId(n, ".seg")).filter((id) => id > 0);
  segIds.sort((a, b) => a - b);
  const sidecarIds = new Set(names.map((n) => parseSegmentId(n, ".idx")).filter((id) => id > 0));
  for (const name of names) {
    const orphanSidecar = parseSegmentId(name, ".idx") > 0 &&
      !segIds.includes(parseSegmentId(name, ".idx"));
    if (name.endsWith(".tmp") || orphanSidecar) {
      await fs.remove(`${dir}/${name}`);
      removedFiles.push(name);
    }
  }

  const scans: SegmentScan[] = [];
  const staleSidecars: number[] = [];
  let repairedRecords = 0;
  for (let i = 0; i < segIds.length; i++) {
    const id = segIds[i];
    const isLast = i === segIds.length - 1;
    const path = `${dir}/${segmentFileName(id)}`;
    let scan: SegmentScan | null = null;
    if (!isLast && !verifyOnOpen && sidecarIds.has(id)) scan = await loadSidecar(fs, dir, id);
    if (scan === null) {
      scan = scanSegment(id, await fs.readFile(path), isLast);
      repairedRecords += scan.repaired;
      const needsSidecar = !isLast && scan.damaged.length === 0 && scan.repaired === 0;
      if (needsSidecar && !(sidecarIds.has(id) && await loadSidecar(fs, dir, id) !== null)) {
        staleSidecars.push(id);
      }
    }
    scans.push(scan);
  }
  return settle(scans, staleSidecars, repairedRecords, removedFiles);
}

async function loadSidecar(fs: FileSystem, dir: string, id: number): Promise<SegmentScan | null> {
  const path = `${dir}/${segmentFileName(id)}`;
  const info = await fs.stat(path);
  if (info === null) return null;
  const head = new Uint8Array(MARK_RECORD_SIZE);
  const file = await fs.open(path, { create: false });
  try {
    await file.readAt(head, 0);
  } finally {
    await file.close();
  }
  const h = readHeader(head, 0);
  if (h === null || h.kind !== RecordKind.Mark || h.length !== MARK_RECORD_SIZE) return null;
  const epoch = readMarkPayload(head, 0, h).epoch;
  try {
    return decodeSidecar(await fs.readFile(`${dir}/${sidecarFileName(id)}`), id, info.size, epoch);
  } catch {
    return null;
  }
}

function settle(
  scans: SegmentScan[],
  staleSidecars: number[],
  repairedRecords: number,
  removedFiles: string[],
): RecoveredSegments {
  let floor = 1;
  let lastSeq = 0;
  let lastTs = 0;
  const deleted = new Set<number>();
  const raise = (seq: number, ts: number) => {
    if (seq > lastSeq || (seq === lastSeq && ts > lastTs)) {
      lastSeq = seq;
      lastTs = ts;
    }
  };
  for (const s of scans) {
    floor = Math.max(floor, s.markFloor);
    raise(s.markLastSeq, s.markLastTs);
    for (const m of s.msgs) raise(m.seq, m.ts);
    for (const seq of s.deletes) deleted.add(seq);
    for (const seq of s.erased) deleted.add(seq), raise(seq, 0);
  }

  const lost: number[] = [];
  let lostBytes = 0;
  let damagedBytes = 0;
  const damagedFiles: string[] = [];
  const damagedSegments: number[] = [];
  if (scans.some((s) => s.damaged.length > 0)) {
    const present = new Set<number>();
    for (const s of scans) for (const m of s.msgs) present.add(m.seq);
    const lostSet = new Set<number>();
    const consider = (seq: number) => {
      if (seq >= floor && !deleted.has(seq) && !present.has(seq)) lostSet.add(seq);
    };
    let seenBefore = floor - 1;
    for (let i = 0; i < scans.length; i++) {
      const s = scans[i];
      let reported = false;
      for (const r of s.damaged) {
        const after = r.after !== 0 ? r.after : Math.max(s.baseSeq ?? 0, seenBefore);
        const before = r.before !== 0 ? r.before : boundAfterSegment(scans, i, after);
        if (before !== 0 && before - 1 < floor && r.knownSeq < floor) continue; // all below floor
        reported = true;
        damagedBytes += r.length;
        const lostBefore = lostSet.size;
        const end = Math.min(before, after + 1 + MAX_LOST_PER_REGION);
        for (let seq = after + 1; seq < end; seq++) consider(seq);
        if (r.knownSeq !== 0) consider(r.knownSeq);
        // Damage that only hit messages already deleted (a torn in-place erase) lost nothing.
        if (lostSet.size > lostBefore) lostBytes += r.length;
      }
      if (reported) damagedFiles.push(segmentFileName(s.id));
      if (reported || s.repaired > 0) damagedSegments.push(s.id);
      for (const m of s.msgs) seenBefore = Math.max(seenBefore, m.seq);
      seenBefore = Math.max(seenBefore, s.markLastSeq);
    }
    lost.push(...[...lostSet].sort((a, b) => a - b));
    if (lost.length > 0) raise(lost[lost.length - 1], lastTs);
    else lostBytes = 0;
  }

  for (const s of scans) {
    if (s.repaired > 0 && !damagedSegments.includes(s.id)) damagedSegments.push(s.id);
  }
  const last = scans[scans.length - 1];
  return {
    scans,
    floor,
    lastSeq: Math.max(lastSeq, floor - 1),
    lastTs,
    deleted,
    lost,
    lostBytes,
    staleSidecars,
    damagedSegments,
    report: {
      segments: scans.length,
      damagedFiles,
      damagedBytes,
      truncatedBytes: last !== undefined && last.tornAt >= 0 ? last.fileSize - last.tornAt : 0,
      repairedRecords,
      rebuiltSidecars: staleSidecars.length,
      removedFiles,
    },
  };
}

/**
 * Exclusive upper sequence bound for damage that runs to the end of segment `i`: where the next
 * segment starts; for the last segment only the next sequence can have been lost.
 */
function boundAfterSegment(scans: SegmentScan[], i: number, after: number): number {
  const next = scans[i + 1];
  if (next === undefined) return after + 2;
  if (next.baseSeq !== null) return next.baseSeq + 1;
  if (next.msgs.length > 0) return next.msgs[0].seq;
  return after + 2;
}
