/**
 * The open batch of a FileStore commit and its layout: message records are encoded into one
 * growing buffer as they are stored (the only copy of the caller's bytes); at commit the batch
 * is laid out over the segments (rolling over to a new segment file when one is full, appending
 * one Delete record for the batch's removals and one Mark when the floor moved) and turned into
 * a plan of contiguous writes and in-place erase patches.
 *
 * Layout is synchronous: offsets follow the order changes were made in, and every change made
 * after it goes to the next batch.
 */

import type { MessageIndex } from "./msg_index.ts";
import {
  encodeMarkRecord,
  encodeRecord,
  encodeSeqRuns,
  MARK_RECORD_SIZE,
  RECORD_OVERHEAD,
  RecordKind,
  recordLength,
  writeRecord,
} from "./record.ts";
import { Segment } from "./segment.ts";
import { MSG_SIZE_OVERHEAD } from "./store.ts";

export interface Batch {
  buf: Uint8Array;
  used: number;
  /** Start of each message record in `buf`, and its sequence. */
  starts: number[];
  seqs: number[];
  /** Sequences removed (not from the front) in this batch: one Delete record. */
  tombstones: number[];
  /** Messages already in files to overwrite in place. */
  erasures: { seq: number; length: number }[];
  /** The floor moved (or something else needs a Mark written). */
  floorDirty: boolean;
  /** Everything was purged: start a new segment. */
  clear: boolean;
}

export interface WritePlan {
  segment: Segment;
  offset: number;
  chunks: Uint8Array[];
}

export interface Patch {
  seg: Segment;
  offset: number;
  bytes: Uint8Array;
}

export interface CommitPlan {
  /** In file order: a newer segment's writes come after an older one's. */
  writes: Map<Segment, WritePlan>;
  created: Segment[];
  sealed: Segment[];
  patches: Patch[];
  /** Highest message sequence in the batch (0: none). */
  maxSeq: number;
}

/** What laying out a batch needs from the segment log. */
export interface LayoutTarget {
  readonly index: MessageIndex;
  readonly maxSegmentBytes: number;
  active: Segment | null;
  /** A new segment (next id, registered with the log) starting after `baseSeq`. */
  newSegment(baseSeq: number): Segment;
  segmentHolding(seq: number): Segment | null;
}

export function newBatch(): Batch {
  return {
    buf: new Uint8Array(0),
    used: 0,
    starts: [],
    seqs: [],
    tombstones: [],
    erasures: [],
    floorDirty: false,
    clear: false,
  };
}

export function randomEpoch(): number {
  return (Math.random() * 0x100000000) >>> 0;
}

/** Record bytes of a message whose accounted size is `size`. */
export function recordLengthOfSize(size: number): number {
  return size - MSG_SIZE_OVERHEAD + RECORD_OVERHEAD;
}

/** Encodes a message record into the batch; returns where (for views into it). */
export function appendMsgRecord(
  b: Batch,
  seq: number,
  subject: string,
  subjectLength: number,
  headers: Uint8Array | null,
  payload: Uint8Array,
  ts: number,
  ttl: number,
): { buf: Uint8Array; start: number } {
  const len = recordLength(subjectLength, headers?.length ?? 0, payload.length);
  if (b.used + len > b.buf.length) {
    const grown = new Uint8Array(Math.max(b.buf.length * 2, b.used + len, 4096));
    grown.set(b.buf.subarray(0, b.used));
    b.buf = grown;
  }
  const start = b.used;
  b.used = writeRecord(b.buf, start, {
    kind: RecordKind.Msg,
    seq,
    ts,
    ttl,
    subject,
    subjectLength,
    headers,
    payload,
  });
  b.starts.push(start);
  b.seqs.push(seq);
  return { buf: b.buf, start };
}

/** Erases a message that is still only in the batch (overwrites its encoded record). */
export function eraseInBatch(b: Batch, seq: number, length: number): void {
  const i = b.seqs.indexOf(seq);
  if (i >= 0) b.buf.set(erasedRecord(seq, length), b.starts[i]);
}

function markFor(index: MessageIndex, lastSeq: number, epoch: number) {
  return { lastSeq, lastTs: index.lastTs, floor: index.firstSeq, epoch };
}

/** Lays the batch out over the segments (see the module comment). */
export function layoutBatch(b: Batch, t: LayoutTarget): CommitPlan {
  const plan: CommitPlan = { writes: new Map(), created: [], sealed: [], patches: [], maxSeq: 0 };
  const add = (seg: Segment, bytes: Uint8Array) => {
    let w = plan.writes.get(seg);
    if (w === undefined) plan.writes.set(seg, w = { segment: seg, offset: seg.size, chunks: [] });
    const last = w.chunks[w.chunks.length - 1];
    // Records encoded back to back in the batch buffer go out as one view.
    if (
      last !== undefined && last.buffer === bytes.buffer &&
      last.byteOffset + last.length === bytes.byteOffset
    ) {
      w.chunks[w.chunks.length - 1] = new Uint8Array(
        last.buffer,
        last.byteOffset,
        last.length + bytes.length,
      );
    } else {
      w.chunks.push(bytes);
    }
    seg.size += bytes.length;
  };
  const rollover = (baseSeq: number): Segment => {
    if (t.active !== null) {
      t.active.sealed = true;
      plan.sealed.push(t.active);
    }
    const seg = t.newSegment(baseSeq);
    t.active = seg;
    plan.created.push(seg);
    add(seg, encodeMarkRecord(markFor(t.index, baseSeq, seg.epoch)));
    return seg;
  };

  // Roll over for a purge, or when deletion facts alone filled the active segment (so it can
  // be compacted or dropped like any other).
  const firstSeq = b.seqs.length > 0 ? b.seqs[0] : t.index.lastSeq + 1;
  let active = t.active;
  if (
    active === null || (b.clear && active.size > MARK_RECORD_SIZE) ||
    active.size >= t.maxSegmentBytes
  ) {
    active = rollover(firstSeq - 1);
  }
  for (let i = 0; i < b.seqs.length; i++) {
    const start = b.starts[i];
    const len = (i + 1 < b.seqs.length ? b.starts[i + 1] : b.used) - start;
    const seq = b.seqs[i];
    if (active.size + len > t.maxSegmentBytes && active.entryCount > 0) active = rollover(seq - 1);
    active.addEntry(seq, active.size);
    if (t.index.has(seq)) {
      active.live++;
      active.liveBytes += len;
    }
    add(active, b.buf.subarray(start, start + len));
  }
  if (b.tombstones.length > 0) {
    const seqs = [...new Set(b.tombstones)].sort((x, y) => x - y);
    add(active, encodeRecord(deleteRecordFields(seqs)));
    for (const seq of seqs) active.holds.push(seq);
  }
  if (b.floorDirty) {
    add(active, encodeMarkRecord(markFor(t.index, t.index.lastSeq, active.epoch)));
  }
  for (const e of b.erasures) {
    const seg = t.segmentHolding(e.seq);
    if (seg !== null) {
      plan.patches.push({ seg, offset: seg.offsetOf(e.seq), bytes: erasedRecord(e.seq, e.length) });
    }
  }
  plan.maxSeq = b.seqs.length > 0 ? b.seqs[b.seqs.length - 1] : 0;
  return plan;
}

export function deleteRecordFields(sortedSeqs: number[]) {
  return {
    kind: RecordKind.Delete,
    seq: sortedSeqs[0] ?? 0,
    ts: 0,
    ttl: 0,
    subject: "",
    subjectLength: 0,
    headers: null,
    payload: encodeSeqRuns(sortedSeqs),
  };
}

/** An Erased record of exactly `length` bytes for `seq` (an in-place overwrite). */
export function erasedRecord(seq: number, length: number): Uint8Array {
  return encodeRecord({
    kind: RecordKind.Erased,
    seq,
    ts: 0,
    ttl: 0,
    subject: "",
    subjectLength: 0,
    headers: null,
    payload: new Uint8Array(length - RECORD_OVERHEAD),
  });
}
