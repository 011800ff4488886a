/**
 * Rewriting a sealed segment without its dead records (compaction), and writing its index
 * sidecar. Both run on the SegmentLog's writer between batches.
 *
 * A rewritten segment holds: an opening Mark (same base sequence, new epoch), one Delete record
 * naming every sequence of its range that is not live (so recovery can tell compaction gaps from
 * loss, and so the deletion facts it held for older segments survive), then the live records,
 * copied byte for byte after their checksums are verified. A live record that fails its checksum
 * here is reported through `onCorrupt` and left out.
 */

import { writeFileAtomic } from "./atomic_file.ts";
import {
  encodeMarkRecord,
  encodeRecord,
  encodeRunPairs,
  readVerifiedRecord,
  RecordKind,
} from "./record.ts";
import type { Segment } from "./segment.ts";
import { scanSegment } from "./segment_scan.ts";
import { encodeSidecar } from "./segment_sidecar.ts";
import { deleteRecordFields, randomEpoch } from "./segment_batch.ts";
import type { SegmentLog } from "./segment_log.ts";

export async function compactSegment(
  log: SegmentLog,
  seg: Segment,
  rangeEnd: number,
): Promise<void> {
  const bytes = await log.fs.readFile(log.path(seg));
  const index = log.index;
  const floor = index.firstSeq;
  const kept: { seq: number; offset: number; length: number }[] = [];
  const corrupt: number[] = [];
  seg.forEachEntry((seq, offset) => {
    if (!index.has(seq)) return;
    const h = readVerifiedRecord(bytes, offset); // repairs a flipped header bit in `bytes`
    if (h === null || h.kind !== RecordKind.Msg || h.seq !== seq) {
      corrupt.push(seq);
      return;
    }
    kept.push({ seq, offset, length: h.length });
  });

  // Deletion facts: facts held for other segments, then every non-kept sequence of the range.
  const held = [...new Set(seg.holds)].filter((seq) => {
    if (seq < floor) return false;
    const target = log.segmentHolding(seq);
    return target !== null && target !== seg;
  }).sort((a, b) => a - b);
  const runs: number[] = [];
  for (const seq of held) runs.push(seq, 1);
  let next = Math.max(seg.baseSeq + 1, floor);
  for (const k of kept) {
    if (k.seq > next) runs.push(next, k.seq - next);
    next = Math.max(next, k.seq + 1);
  }
  if (rangeEnd > next) runs.push(next, rangeEnd - next);

  const epoch = randomEpoch();
  const parts = [encodeMarkRecord({ lastSeq: seg.baseSeq, lastTs: 0, floor, epoch })];
  if (runs.length > 0) {
    parts.push(encodeRecord({ ...deleteRecordFields([]), payload: encodeRunPairs(runs) }));
  }
  let size = parts.reduce((n, p) => n + p.length, 0);
  const newOffsets: number[] = [];
  for (const k of kept) {
    newOffsets.push(size);
    size += k.length;
  }
  const out = new Uint8Array(size);
  let p = 0;
  for (const part of parts) out.set(part, p), p += part.length;
  for (const k of kept) out.set(bytes.subarray(k.offset, k.offset + k.length), p), p += k.length;

  // From here until the new offsets are in place, readers wait (see Segment.rewriting).
  let rewritten!: () => void;
  seg.rewriting = new Promise<void>((resolve) => (rewritten = resolve));
  try {
    await writeFileAtomic(log.fs, log.dir, seg.fileName, out);
  } finally {
    seg.rewriting = null;
    rewritten();
  }
  swapLayout(log, seg, epoch, out.length, kept, newOffsets, held);
  const oldReader = log.takeReader(seg);
  const writer = seg.writer;
  seg.writer = null;
  await writer?.close();
  await oldReader?.close();
  for (const seq of corrupt) log.onCorrupt(seq);
}

/** Installs a rewritten file's layout; synchronous, so no read sees half of it. */
function swapLayout(
  log: SegmentLog,
  seg: Segment,
  epoch: number,
  size: number,
  kept: { seq: number; length: number }[],
  newOffsets: number[],
  held: number[],
): void {
  const index = log.index;
  seg.epoch = epoch;
  seg.size = size;
  seg.resetEntries();
  seg.live = 0;
  seg.liveBytes = 0;
  kept.forEach((k, i) => {
    seg.addEntry(k.seq, newOffsets[i]);
    if (index.has(k.seq)) {
      seg.live++;
      seg.liveBytes += k.length;
    }
  });
  seg.holds = held;
}

/** Writes `seg`'s sidecar from a scan of the file as it is (skipped when the file is damaged). */
export async function writeSidecarFor(log: SegmentLog, seg: Segment): Promise<void> {
  const scan = scanSegment(seg.id, await log.fs.readFile(log.path(seg)), false);
  if (scan.damaged.length > 0 || scan.repaired > 0 || scan.epoch !== seg.epoch) return;
  await writeFileAtomic(log.fs, log.dir, seg.sidecarName, encodeSidecar(scan), { syncDir: false });
}
