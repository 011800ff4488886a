/**
 * The index sidecar of a sealed segment (`<id>.idx`): the segment's scan result (message
 * sequences, offsets, lengths, timestamps, TTLs and subjects, plus its deletion facts and
 * watermarks) so a fast open (`verifyOnOpen: false`) need not read the segment itself. It is a
 * cache: written after a segment is sealed or rewritten, checked against the segment's size and
 * epoch (from its opening Mark) and its own CRC32C, and rebuilt from the segment when missing,
 * stale or corrupt.
 *
 * Layout (big-endian): magic "SKIX", version, segment id, epoch, file size, base seq (-1: none),
 * mark last seq / last ts / floor, counts (subjects, msgs, deletes, erased), subjects as
 * (u16 length, UTF-8), msgs as (seq, offset, length, ts, ttl, subject index), deletes, erased,
 * CRC32C of everything before it.
 */

import { crc32c } from "./crc32c.ts";
import { getI64, getU32, putI64, putU32 } from "./record.ts";
import type { ScannedMsg, SegmentScan } from "./segment_scan.ts";

const SIDECAR_MAGIC = 0x534b4958;
const SIDECAR_VERSION = 1;
const FIXED_SIZE = 4 * 4 + 8 * 5 + 4 * 4;
const MSG_ENTRY_SIZE = 36;

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

export function encodeSidecar(scan: SegmentScan): Uint8Array {
  const subjectIds = new Map<string, number>();
  const subjectBytes: Uint8Array[] = [];
  let subjectsSize = 0;
  for (const m of scan.msgs) {
    if (subjectIds.has(m.subject)) continue;
    subjectIds.set(m.subject, subjectBytes.length);
    const bytes = UTF8.encode(m.subject);
    subjectBytes.push(bytes);
    subjectsSize += 2 + bytes.length;
  }
  const size = FIXED_SIZE + subjectsSize + scan.msgs.length * MSG_ENTRY_SIZE +
    (scan.deletes.length + scan.erased.length) * 8 + 4;
  const b = new Uint8Array(size);
  putU32(b, 0, SIDECAR_MAGIC);
  putU32(b, 4, SIDECAR_VERSION);
  putU32(b, 8, scan.id);
  putU32(b, 12, scan.epoch);
  putI64(b, 16, scan.fileSize);
  putI64(b, 24, scan.baseSeq ?? -1);
  putI64(b, 32, scan.markLastSeq);
  putI64(b, 40, scan.markLastTs);
  putI64(b, 48, scan.markFloor);
  putU32(b, 56, subjectBytes.length);
  putU32(b, 60, scan.msgs.length);
  putU32(b, 64, scan.deletes.length);
  putU32(b, 68, scan.erased.length);
  let p = FIXED_SIZE;
  for (const s of subjectBytes) {
    b[p] = s.length >>> 8;
    b[p + 1] = s.length;
    b.set(s, p + 2);
    p += 2 + s.length;
  }
  for (const m of scan.msgs) {
    putI64(b, p, m.seq);
    putU32(b, p + 8, m.offset);
    putU32(b, p + 12, m.length);
    putI64(b, p + 16, m.ts);
    putI64(b, p + 24, m.ttl);
    putU32(b, p + 32, subjectIds.get(m.subject)!);
    p += MSG_ENTRY_SIZE;
  }
  for (const seq of scan.deletes) putI64(b, p, seq), p += 8;
  for (const seq of scan.erased) putI64(b, p, seq), p += 8;
  putU32(b, p, crc32c(b, 0, p));
  return b;
}

/**
 * Decodes a sidecar and checks it describes segment `id` as it is now (`fileSize`, `epoch`);
 * null when it is corrupt or stale.
 */
export function decodeSidecar(
  b: Uint8Array,
  id: number,
  fileSize: number,
  epoch: number,
): SegmentScan | null {
  if (b.length < FIXED_SIZE + 4 || getU32(b, 0) !== SIDECAR_MAGIC) return null;
  if (crc32c(b, 0, b.length - 4) !== getU32(b, b.length - 4)) return null;
  if (getU32(b, 4) !== SIDECAR_VERSION || getU32(b, 8) !== id || getU32(b, 12) !== epoch) {
    return null;
  }
  if (getI64(b, 16) !== fileSize) return null;
  const baseSeq = getI64(b, 24);
  const nSubjects = getU32(b, 56);
  const nMsgs = getU32(b, 60);
  const nDeletes = getU32(b, 64);
  const nErased = getU32(b, 68);
  let p = FIXED_SIZE;
  const subjects: string[] = [];
  for (let i = 0; i < nSubjects; i++) {
    if (p + 2 > b.length) return null;
    const len = (b[p] << 8) | b[p + 1];
    subjects.push(UTF8_DECODER.decode(b.subarray(p + 2, p + 2 + len)));
    p += 2 + len;
  }
  if (p + nMsgs * MSG_ENTRY_SIZE + (nDeletes + nErased) * 8 + 4 !== b.length) return null;
  const msgs: ScannedMsg[] = [];
  for (let i = 0; i < nMsgs; i++, p += MSG_ENTRY_SIZE) {
    const subject = subjects[getU32(b, p + 32)];
    if (subject === undefined) return null;
    msgs.push({
      seq: getI64(b, p),
      offset: getU32(b, p + 8),
      length: getU32(b, p + 12),
      ts: getI64(b, p + 16),
      ttl: getI64(b, p + 24),
      subject,
    });
  }
  const deletes: number[] = [];
  for (let i = 0; i < nDeletes; i++, p += 8) deletes.push(getI64(b, p));
  const erased: number[] = [];
  for (let i = 0; i < nErased; i++, p += 8) erased.push(getI64(b, p));
  return {
    id,
    fileSize,
    baseSeq: baseSeq < 0 ? null : baseSeq,
    epoch,
    msgs,
    deletes,
    erased,
    markLastSeq: getI64(b, 32),
    markLastTs: getI64(b, 40),
    markFloor: getI64(b, 48),
    damaged: [],
    tornAt: -1,
    repaired: 0,
  };
}
