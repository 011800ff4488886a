/**
 * Reads one segment file's bytes back into records, keeping every intact record around damage:
 *
 * - a record whose header checksum fails is first given single-bit header repair (confirmed by
 *   the whole-record checksum); failing that, the scan resynchronises on the next position
 *   holding the magic and a valid header checksum, and the bytes between are one damaged region;
 * - a record with a valid header but a failed body checksum is skipped by its (trusted) length,
 *   and its sequence is known;
 * - in the last segment, a record cut short by the end of the file, a partial header, or zeros
 *   after the last record are a torn write (never acknowledged: the write was not synced) and
 *   are cut off; anything else damaged is reported.
 *
 * Each damaged region carries sequence bounds (the last sequence-bearing record before it and
 * the next after it) from which recovery works out which messages were lost.
 */

import {
  decodeMsgBody,
  findNextHeader,
  forEachSeqInRuns,
  payloadOf,
  readHeader,
  readMarkPayload,
  RECORD_HEADER_SIZE,
  type RecordHeader,
  RecordKind,
  repairHeader,
  verifyRecord,
} from "./record.ts";
import { MSG_SIZE_OVERHEAD } from "./store.ts";
import { RECORD_OVERHEAD } from "./record.ts";

export interface ScannedMsg {
  seq: number;
  offset: number;
  /** Record length in bytes. */
  length: number;
  ts: number;
  ttl: number;
  subject: string;
}

export interface DamagedRegion {
  offset: number;
  length: number;
  /** Last sequence known to precede the region (0: unknown). */
  after: number;
  /** First sequence known to follow it (0: none in this segment). */
  before: number;
  /** Sequence of a damaged message whose header survived. */
  knownSeq: number;
}

export interface SegmentScan {
  id: number;
  fileSize: number;
  /** From the opening Mark: last sequence before this segment (null when that Mark is gone). */
  baseSeq: number | null;
  epoch: number;
  msgs: ScannedMsg[];
  /** Sequences this file records as deleted (Delete records). */
  deletes: number[];
  /** Sequences erased in place in this file. */
  erased: number[];
  /** Highest watermarks over the Mark records. */
  markLastSeq: number;
  markLastTs: number;
  markFloor: number;
  damaged: DamagedRegion[];
  /** Offset to truncate a torn tail at (last segment only), or -1. */
  tornAt: number;
  repaired: number;
}

/** Accounted message size from a message record's length. */
export function msgSizeOfRecord(recordLength: number): number {
  return recordLength - RECORD_OVERHEAD + MSG_SIZE_OVERHEAD;
}

export function scanSegment(id: number, b: Uint8Array, isLast: boolean): SegmentScan {
  const scan: SegmentScan = {
    id,
    fileSize: b.length,
    baseSeq: null,
    epoch: 0,
    msgs: [],
    deletes: [],
    erased: [],
    markLastSeq: 0,
    markLastTs: 0,
    markFloor: 0,
    damaged: [],
    tornAt: -1,
    repaired: 0,
  };
  let pos = 0;
  let lastSeqSeen = 0;
  let open: DamagedRegion | null = null;
  /** Extends (or opens) the current damaged region over [offset, end). */
  const damage = (offset: number, end: number, knownSeq = 0) => {
    open ??= { offset, length: 0, after: lastSeqSeen, before: 0, knownSeq: 0 };
    open.length = end - open.offset;
    if (knownSeq !== 0) {
      // A second damaged message in one region: keep both known by splitting the region.
      if (open.knownSeq !== 0 && open.knownSeq !== knownSeq) {
        open.length = offset - open.offset;
        open.before = knownSeq;
        scan.damaged.push(open);
        open = { offset, length: end - offset, after: open.knownSeq, before: 0, knownSeq: 0 };
      }
      open.knownSeq = knownSeq;
    }
  };
  const closeRegion = (before: number) => {
    if (open === null) return;
    open.before = before;
    scan.damaged.push(open);
    open = null;
  };

  while (pos < b.length) {
    let h = readHeader(b, pos);
    if (h === null) {
      const fixed = repairHeader(b, pos);
      if (fixed !== null && verifyRecord(b, pos, fixed)) {
        h = fixed;
        scan.repaired++;
      }
    }
    if (h === null) {
      const next = findNextHeader(b, pos + 1);
      if (next < 0) {
        if (isLast && isTornTail(b, pos)) {
          closeRegion(0);
          scan.tornAt = pos;
          return scan;
        }
        damage(pos, b.length);
        break;
      }
      damage(pos, next);
      pos = next;
      continue;
    }
    const knownSeq = h.kind === RecordKind.Msg ? h.seq : 0;
    if (pos + h.length > b.length) {
      // Cut short by the end of the file: a torn append when it is the last segment's tail.
      if (isLast && open === null) {
        scan.tornAt = pos;
        return scan;
      }
      damage(pos, b.length, knownSeq);
      break;
    }
    if (!verifyRecord(b, pos, h)) {
      damage(pos, pos + h.length, knownSeq);
      pos += h.length;
      continue;
    }
    const bound = acceptRecord(scan, b, pos, h);
    if (bound !== 0) {
      closeRegion(bound);
      lastSeqSeen = Math.max(lastSeqSeen, h.seq);
    }
    pos += h.length;
  }
  closeRegion(0);
  return scan;
}

/**
 * Files a verified record into the scan; returns the sequence bound it gives a preceding
 * damaged region (message: its seq; Mark: lastSeq + 1; others: 0, no bound).
 */
function acceptRecord(scan: SegmentScan, b: Uint8Array, pos: number, h: RecordHeader): number {
  switch (h.kind) {
    case RecordKind.Msg: {
      const { subject } = decodeMsgBody(b, pos, h);
      scan.msgs.push({ seq: h.seq, offset: pos, length: h.length, ts: h.ts, ttl: h.ttl, subject });
      return h.seq;
    }
    case RecordKind.Erased:
      scan.erased.push(h.seq);
      return h.seq;
    case RecordKind.Delete:
      forEachSeqInRuns(payloadOf(b, pos, h), (seq) => scan.deletes.push(seq));
      return 0;
    case RecordKind.Mark: {
      const m = readMarkPayload(b, pos, h);
      if (pos === 0) {
        scan.baseSeq = m.lastSeq;
        scan.epoch = m.epoch;
      }
      if (m.lastSeq >= scan.markLastSeq) {
        scan.markLastSeq = m.lastSeq;
        scan.markLastTs = Math.max(scan.markLastTs, m.lastTs);
      }
      scan.markFloor = Math.max(scan.markFloor, m.floor);
      return m.lastSeq + 1;
    }
    default:
      return 0;
  }
}

/**
 * Is what follows `pos` (to the end of the file) a torn append rather than damage? A partial
 * header or zero fill is; a full header's worth of non-zero bytes that fails its checksum and
 * could not be repaired is damage (a torn append keeps an exact prefix, so its header is intact).
 */
function isTornTail(b: Uint8Array, pos: number): boolean {
  if (b.length - pos < RECORD_HEADER_SIZE) return true;
  for (let p = pos; p < b.length; p++) if (b[p] !== 0) return false;
  return true;
}
