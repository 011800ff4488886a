/**
 * The on-disk record: one framing for every file the FileStore appends to (message segments and
 * the consumer-state log). Each record is self-describing and doubly checksummed so recovery can
 * keep every intact record around a damaged one:
 *
 *   offset  size  field
 *   0       4     magic "SKFR" (resynchronisation point after damage)
 *   4       1     kind (RecordKind)
 *   5       1     flags (FLAG_HAS_HEADERS, FLAG_HAS_TTL)
 *   6       2     subject length (bytes)
 *   8       4     headers length
 *   12      4     payload length
 *   16      8     sequence (u64)
 *   24      8     timestamp, ns since the epoch (u64)
 *   32      8     per-message TTL in ns (i64; 0 none, -1 never expires)
 *   40      4     CRC32C of bytes [0, 40): the header alone, so lengths can be trusted
 *   44      ...   subject, headers, payload
 *   end-4   4     CRC32C of bytes [0, end-4): the whole record
 *
 * Integers are big-endian. The header checksum lets a reader skip a record whose body is damaged
 * (losing only that record) and lets a single flipped header bit be corrected, which the whole
 * record checksum then confirms.
 */

import { crc32c } from "./crc32c.ts";

export const RECORD_MAGIC = 0x534b4652;
export const RECORD_HEADER_SIZE = 44;
export const RECORD_TRAILER_SIZE = 4;
export const RECORD_OVERHEAD = RECORD_HEADER_SIZE + RECORD_TRAILER_SIZE;
/** Largest headers or payload a record may declare; anything above is treated as damage. */
export const MAX_RECORD_FIELD = 1 << 30;

export const RecordKind = {
  /** A stored message. */
  Msg: 1,
  /** Deletion facts: payload is (u64 first seq, u32 count) ranges. */
  Delete: 2,
  /** A message erased in place: same length as the message it replaced, body zeroed. */
  Erased: 3,
  /** Sequence watermarks: seq = last seq, ts = last ts, payload = u64 floor + u32 epoch. */
  Mark: 4,
  /** A consumer-state log entry: subject = consumer name, payload = the encoded change. */
  Consumer: 5,
} as const;
export type RecordKind = typeof RecordKind[keyof typeof RecordKind];

export const FLAG_HAS_HEADERS = 1;
export const FLAG_HAS_TTL = 2;

const HEADER_CRC_AT = 40;
const TWO_32 = 4294967296;
const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

export interface RecordHeader {
  kind: RecordKind;
  flags: number;
  subjectLength: number;
  headersLength: number;
  payloadLength: number;
  seq: number;
  ts: number;
  ttl: number;
  /** Total bytes of the record, header and trailer included. */
  length: number;
}

export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

export function getU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Writes an integer-valued number as a signed 64-bit value (exact for every JS integer). */
export function putI64(b: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  putU32(b, at, hi >>> 0);
  putU32(b, at + 4, (v - hi * TWO_32) >>> 0);
}

export function getI64(b: Uint8Array, at: number): number {
  return (getU32(b, at) | 0) * TWO_32 + getU32(b, at + 4);
}

/** UTF-8 byte length of a string without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) i++, n += 2; // surrogate pair: 4 bytes for 2 units
    else n += 2;
  }
  return n;
}

export function recordLength(subjectLength: number, headersLength: number, payloadLength: number) {
  return RECORD_OVERHEAD + subjectLength + headersLength + payloadLength;
}

export interface RecordFields {
  kind: RecordKind;
  seq: number;
  ts: number;
  ttl: number;
  subject: string;
  /** UTF-8 length of `subject`, which the caller has already computed for accounting. */
  subjectLength: number;
  headers: Uint8Array | null;
  payload: Uint8Array;
}

/**
 * Encodes a record into `b` at `at` (the caller guarantees room for `recordLength(...)` bytes)
 * and returns the offset just past it.
 */
export function writeRecord(b: Uint8Array, at: number, f: RecordFields): number {
  const hdrLen = f.headers === null ? 0 : f.headers.length;
  const end = at + recordLength(f.subjectLength, hdrLen, f.payload.length);
  putU32(b, at, RECORD_MAGIC);
  b[at + 4] = f.kind;
  b[at + 5] = (f.headers === null ? 0 : FLAG_HAS_HEADERS) | (f.ttl !== 0 ? FLAG_HAS_TTL : 0);
  b[at + 6] = f.subjectLength >>> 8;
  b[at + 7] = f.subjectLength;
  putU32(b, at + 8, hdrLen);
  putU32(b, at + 12, f.payload.length);
  putI64(b, at + 16, f.seq);
  putI64(b, at + 24, f.ts);
  putI64(b, at + 32, f.ttl);
  putU32(b, at + HEADER_CRC_AT, crc32c(b, at, at + HEADER_CRC_AT));
  let p = at + RECORD_HEADER_SIZE;
  const s = f.subject;
  if (f.subjectLength === s.length) {
    for (let i = 0; i < s.length; i++) b[p + i] = s.charCodeAt(i); // ASCII: byte per char
  } else {
    UTF8.encodeInto(s, b.subarray(p, p + f.subjectLength));
  }
  p += f.subjectLength;
  if (f.headers !== null) b.set(f.headers, p), p += hdrLen;
  b.set(f.payload, p);
  putU32(b, end - RECORD_TRAILER_SIZE, crc32c(b, at, end - RECORD_TRAILER_SIZE));
  return end;
}

/** Encodes a record into a fresh buffer. */
export function encodeRecord(f: RecordFields): Uint8Array {
  const hdrLen = f.headers === null ? 0 : f.headers.length;
  const out = new Uint8Array(recordLength(f.subjectLength, hdrLen, f.payload.length));
  writeRecord(out, 0, f);
  return out;
}

function isKnownKind(k: number): boolean {
  return k >= RecordKind.Msg && k <= RecordKind.Consumer;
}

/**
 * Parses the header at `at` when its magic and header checksum are intact and its lengths are
 * sane; otherwise null. Does not check that the record fits in `b`.
 */
export function readHeader(b: Uint8Array, at: number): RecordHeader | null {
  if (at + RECORD_HEADER_SIZE > b.length || getU32(b, at) !== RECORD_MAGIC) return null;
  if (crc32c(b, at, at + HEADER_CRC_AT) !== getU32(b, at + HEADER_CRC_AT)) return null;
  return parseHeaderFields(b, at);
}

function parseHeaderFields(b: Uint8Array, at: number): RecordHeader | null {
  const kind = b[at + 4];
  const subjectLength = (b[at + 6] << 8) | b[at + 7];
  const headersLength = getU32(b, at + 8);
  const payloadLength = getU32(b, at + 12);
  if (!isKnownKind(kind) || headersLength > MAX_RECORD_FIELD || payloadLength > MAX_RECORD_FIELD) {
    return null;
  }
  return {
    kind: kind as RecordKind,
    flags: b[at + 5],
    subjectLength,
    headersLength,
    payloadLength,
    seq: getI64(b, at + 16),
    ts: getI64(b, at + 24),
    ttl: getI64(b, at + 32),
    length: recordLength(subjectLength, headersLength, payloadLength),
  };
}

/** Next offset >= from holding the magic and a valid header checksum, or -1 (resync). */
export function findNextHeader(b: Uint8Array, from: number): number {
  const m0 = RECORD_MAGIC >>> 24;
  for (let p = from; p + RECORD_HEADER_SIZE <= b.length; p++) {
    if (b[p] === m0 && readHeader(b, p) !== null) return p;
  }
  return -1;
}

/** True when the whole-record checksum of the record at `at` matches (it must fit in `b`). */
export function verifyRecord(b: Uint8Array, at: number, h: RecordHeader): boolean {
  const end = at + h.length;
  if (end > b.length) return false;
  return crc32c(b, at, end - RECORD_TRAILER_SIZE) === getU32(b, end - RECORD_TRAILER_SIZE);
}

/**
 * Tries to correct a single flipped bit in the 44-byte header at `at` (magic, fields or the
 * header checksum itself), in place. Returns the repaired header, or null (and `b` untouched)
 * when no single-bit change makes the header checksum match. Callers must still verify the
 * whole-record checksum, which covers the header and so confirms the correction.
 */
export function repairHeader(b: Uint8Array, at: number): RecordHeader | null {
  if (at + RECORD_HEADER_SIZE > b.length) return null;
  const stored = getU32(b, at + HEADER_CRC_AT);
  const actual = crc32c(b, at, at + HEADER_CRC_AT);
  const diff = (stored ^ actual) >>> 0;
  if (diff !== 0 && (diff & (diff - 1)) === 0) {
    // Exactly one bit differs: the flip is in the stored checksum.
    if (getU32(b, at) !== RECORD_MAGIC) return null;
    const h = parseHeaderFields(b, at);
    if (h !== null) putU32(b, at + HEADER_CRC_AT, actual);
    return h;
  }
  for (let i = at; i < at + HEADER_CRC_AT; i++) {
    for (let bit = 0; bit < 8; bit++) {
      b[i] ^= 1 << bit;
      if (getU32(b, at) === RECORD_MAGIC && crc32c(b, at, at + HEADER_CRC_AT) === stored) {
        const h = parseHeaderFields(b, at);
        if (h !== null) return h;
      }
      b[i] ^= 1 << bit;
    }
  }
  return null;
}

/**
 * The header of the record at `at` once its checksums hold, correcting a single flipped header
 * bit in `b` if needed; null when the record is damaged beyond that or does not fit in `b`.
 */
export function readVerifiedRecord(b: Uint8Array, at: number): RecordHeader | null {
  const h = readHeader(b, at) ?? repairHeader(b, at);
  return h !== null && verifyRecord(b, at, h) ? h : null;
}

export interface DecodedMsg {
  subject: string;
  headers: Uint8Array | null;
  payload: Uint8Array;
}

/** Decodes the message fields of a verified record; headers and payload are views into `b`. */
export function decodeMsgBody(b: Uint8Array, at: number, h: RecordHeader): DecodedMsg {
  const s = at + RECORD_HEADER_SIZE;
  const subject = decodeSubject(b, s, s + h.subjectLength);
  const hs = s + h.subjectLength;
  const ps = hs + h.headersLength;
  return {
    subject,
    headers: h.flags & FLAG_HAS_HEADERS ? b.subarray(hs, ps) : null,
    payload: b.subarray(ps, ps + h.payloadLength),
  };
}

function decodeSubject(b: Uint8Array, s: number, e: number): string {
  let out = "";
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 0x80) return UTF8_DECODER.decode(b.subarray(s, e));
    out += String.fromCharCode(c);
  }
  return out;
}

/**
 * Rewrites the record at `at` in place as an Erased record of the same length: kind changes,
 * subject, headers and payload are zeroed, both checksums are recomputed. The sequence stays so
 * recovery still knows which message is gone.
 */
export function eraseRecord(b: Uint8Array, at: number, h: RecordHeader): void {
  const end = at + h.length;
  b[at + 4] = RecordKind.Erased;
  putU32(b, at + HEADER_CRC_AT, crc32c(b, at, at + HEADER_CRC_AT));
  b.fill(0, at + RECORD_HEADER_SIZE, end - RECORD_TRAILER_SIZE);
  putU32(b, end - RECORD_TRAILER_SIZE, crc32c(b, at, end - RECORD_TRAILER_SIZE));
}

/** Encodes sorted, distinct sequences as (u64 first, u32 count) runs: a Delete payload. */
export function encodeSeqRuns(sortedSeqs: readonly number[]): Uint8Array {
  const runs: number[] = [];
  for (let i = 0; i < sortedSeqs.length;) {
    let j = i + 1;
    while (j < sortedSeqs.length && sortedSeqs[j] === sortedSeqs[j - 1] + 1 && j - i < 0xffffffff) {
      j++;
    }
    runs.push(sortedSeqs[i], j - i);
    i = j;
  }
  return encodeRunPairs(runs);
}

/** Encodes (first, count) pairs, flattened, as a Delete payload. */
export function encodeRunPairs(runs: readonly number[]): Uint8Array {
  const out = new Uint8Array((runs.length / 2) * 12);
  for (let r = 0, p = 0; r < runs.length; r += 2, p += 12) {
    putI64(out, p, runs[r]);
    putU32(out, p + 8, runs[r + 1]);
  }
  return out;
}

/** Calls `each(seq)` for every sequence in a Delete payload. */
export function forEachSeqInRuns(payload: Uint8Array, each: (seq: number) => void): void {
  for (let p = 0; p + 12 <= payload.length; p += 12) {
    const first = getI64(payload, p);
    const count = getU32(payload, p + 8);
    for (let i = 0; i < count; i++) each(first + i);
  }
}

export interface MarkFields {
  lastSeq: number;
  lastTs: number;
  /** Every sequence below `floor` is gone. */
  floor: number;
  /** Identifies one write of a segment file (changes when the file is rewritten). */
  epoch: number;
}

export const MARK_PAYLOAD_SIZE = 12;
export const MARK_RECORD_SIZE = RECORD_OVERHEAD + MARK_PAYLOAD_SIZE;

export function writeMarkRecord(b: Uint8Array, at: number, m: MarkFields): number {
  const payload = new Uint8Array(MARK_PAYLOAD_SIZE);
  putI64(payload, 0, m.floor);
  putU32(payload, 8, m.epoch);
  return writeRecord(b, at, {
    kind: RecordKind.Mark,
    seq: m.lastSeq,
    ts: m.lastTs,
    ttl: 0,
    subject: "",
    subjectLength: 0,
    headers: null,
    payload,
  });
}

export function encodeMarkRecord(m: MarkFields): Uint8Array {
  const out = new Uint8Array(MARK_RECORD_SIZE);
  writeMarkRecord(out, 0, m);
  return out;
}

export function readMarkPayload(b: Uint8Array, at: number, h: RecordHeader): MarkFields {
  const p = at + RECORD_HEADER_SIZE + h.subjectLength + h.headersLength;
  return { lastSeq: h.seq, lastTs: h.ts, floor: getI64(b, p), epoch: getU32(b, p + 8) };
}

/** The payload bytes of a verified record. */
export function payloadOf(b: Uint8Array, at: number, h: RecordHeader): Uint8Array {
  const p = at + RECORD_HEADER_SIZE + h.subjectLength + h.headersLength;
  return b.subarray(p, p + h.payloadLength);
}
