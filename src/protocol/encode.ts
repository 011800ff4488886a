/**
 * Encodes server-to-client operations straight into an outbound buffer: MSG/HMSG frames are
 * assembled from the publisher's bytes with no intermediate strings. Leaf node links get the
 * LMSG/HMSG frames and LS+/LS- lines at the end of this file.
 */
import type { Outbound } from "../conn/outbound.ts";
import type { MsgArgs } from "./ops.ts";
import { decimalLength, encodeUtf8, writeDecimal } from "../util/bytes.ts";

const MSG_ = encodeUtf8("MSG ");
const HMSG_ = encodeUtf8("HMSG ");
const SP = 32;
const PLUS = 0x2b;
const PIPE = 0x7c;
const CR = 13;
const LF = 10;

export const PING_LINE = encodeUtf8("PING\r\n");
export const PONG_LINE = encodeUtf8("PONG\r\n");
export const OK_LINE = encodeUtf8("+OK\r\n");

/** Copies `src[s, e)` to `dst[at]`; returns the position after it. */
export function copyBytes(
  dst: Uint8Array,
  at: number,
  src: Uint8Array,
  s: number,
  e: number,
): number {
  const n = e - s;
  if (n < 48) {
    // A loop beats creating a subarray view for the short runs that dominate (subjects, sids).
    for (let i = 0; i < n; i++) dst[at + i] = src[s + i];
  } else {
    dst.set(src.subarray(s, e), at);
  }
  return at + n;
}

/** Writes a sid: its bytes when it has them (non-ASCII), else its characters. */
function writeSid(b: Uint8Array, at: number, sid: string, sidBytes: Uint8Array | null): number {
  if (sidBytes !== null) return copyBytes(b, at, sidBytes, 0, sidBytes.length);
  for (let i = 0; i < sid.length; i++) b[at + i] = sid.charCodeAt(i);
  return at + sid.length;
}

/** The encoded length of a sid. */
function sidLength(sid: string, sidBytes: Uint8Array | null): number {
  return sidBytes !== null ? sidBytes.length : sid.length;
}

/**
 * Queues `MSG <subject> <sid> [reply] <size>` (or HMSG with the header size) and the payload.
 * `withHeaders` false strips the header block for a subscriber that cannot take headers.
 * `subject` overrides the publisher's subject bytes (used when a mapping rewrote it).
 */
export function encodeMsg(
  out: Outbound,
  sid: string,
  sidBytes: Uint8Array | null,
  args: MsgArgs,
  withHeaders: boolean,
  subject?: Uint8Array,
): void {
  const subjBuf = subject ?? args.buf;
  const subjStart = subject ? 0 : args.subjectStart;
  const subjEnd = subject ? subject.length : args.subjectEnd;
  const replyLen = args.replyEnd - args.replyStart;
  // An empty header block goes out as a plain MSG, as nats-server does.
  const hasHeaders = args.headerSize > 0 && withHeaders;
  const skip = args.headerSize > 0 && !withHeaders ? args.headerSize : 0;
  const size = args.size - skip;
  const need = 5 + (subjEnd - subjStart) + 1 + sidLength(sid, sidBytes) +
    (replyLen > 0 ? replyLen + 1 : 0) +
    (hasHeaders ? 1 + decimalLength(args.headerSize) : 0) + 1 + decimalLength(size) + 2 + size + 2;
  const b = out.ensure(need);
  let p = out.length;
  if (hasHeaders) {
    b.set(HMSG_, p);
    p += 5;
  } else {
    b[p] = MSG_[0];
    b[p + 1] = MSG_[1];
    b[p + 2] = MSG_[2];
    b[p + 3] = SP;
    p += 4;
  }
  p = copyBytes(b, p, subjBuf, subjStart, subjEnd);
  b[p++] = SP;
  p = writeSid(b, p, sid, sidBytes);
  b[p++] = SP;
  if (replyLen > 0) {
    p = copyBytes(b, p, args.buf, args.replyStart, args.replyEnd);
    b[p++] = SP;
  }
  out.length = writeSizesAndPayload(b, p, args, hasHeaders, skip, size);
}

/**
 * Writes `[<header size> ]<size>\r\n<payload>\r\n` at `b[p]`, the tail every message frame
 * shares; `skip` bytes of stripped headers are left out. Returns the position after it.
 */
function writeSizesAndPayload(
  b: Uint8Array,
  p: number,
  args: MsgArgs,
  hasHeaders: boolean,
  skip: number,
  size: number,
): number {
  if (hasHeaders) {
    p = writeDecimal(b, p, args.headerSize);
    b[p++] = SP;
  }
  p = writeDecimal(b, p, size);
  b[p++] = CR;
  b[p++] = LF;
  const from = args.payloadStart + skip;
  p = copyBytes(b, p, args.payloadBuf, from, from + size);
  b[p++] = CR;
  b[p++] = LF;
  return p;
}

/** Queues a header-only status message, e.g. `NATS/1.0 503` for no responders. */
export function encodeStatusMsg(
  out: Outbound,
  subject: Uint8Array,
  sid: string,
  sidBytes: Uint8Array | null,
  statusBlock: Uint8Array,
): void {
  const n = statusBlock.length;
  const line = encodeUtf8(` ${n} ${n}\r\n`);
  out.append(HMSG_);
  out.append(subject);
  out.ensure(1)[out.length++] = SP;
  out.append(sidBytes ?? encodeUtf8(sid));
  out.append(line);
  out.append(statusBlock);
  out.ensure(2);
  out.buf[out.length++] = CR;
  out.buf[out.length++] = LF;
}

const LMSG_ = encodeUtf8("LMSG ");

/**
 * Queues a message for a leaf node link: `LMSG <subject> [reply] <size>`, or, when the message
 * goes to queue groups on the other side, `LMSG <subject> + <reply> <queue>... <size>` /
 * `LMSG <subject> | <queue>... <size>`. With headers the op is `HMSG` and `<header size>` comes
 * before the size. `withHeaders` false strips the header block (the peer did not announce
 * headers). Returns where the frame starts in `out.buf`, so a caller may rewrite it.
 */
export function encodeLeafMsg(
  out: Outbound,
  args: MsgArgs,
  queues: readonly Uint8Array[],
  withHeaders: boolean,
): number {
  const subjLen = args.subjectEnd - args.subjectStart;
  const replyLen = args.replyEnd - args.replyStart;
  const hasHeaders = args.headerSize > 0 && withHeaders;
  const skip = args.headerSize > 0 && !withHeaders ? args.headerSize : 0;
  const size = args.size - skip;
  let queueLen = 0;
  for (let i = 0; i < queues.length; i++) queueLen += queues[i].length + 1;
  const need = 5 + subjLen + 1 + (queues.length > 0 ? 2 + queueLen : 0) +
    (replyLen > 0 ? replyLen + 1 : 0) + (hasHeaders ? decimalLength(args.headerSize) + 1 : 0) +
    decimalLength(size) + 2 + size + 2;
  const b = out.ensure(need);
  const start = out.length;
  let p = start;
  b.set(hasHeaders ? HMSG_ : LMSG_, p);
  p += 5;
  p = copyBytes(b, p, args.buf, args.subjectStart, args.subjectEnd);
  b[p++] = SP;
  if (queues.length > 0) {
    b[p++] = replyLen > 0 ? PLUS : PIPE;
    b[p++] = SP;
  }
  if (replyLen > 0) {
    p = copyBytes(b, p, args.buf, args.replyStart, args.replyEnd);
    b[p++] = SP;
  }
  for (let i = 0; i < queues.length; i++) {
    const q = queues[i];
    p = copyBytes(b, p, q, 0, q.length);
    b[p++] = SP;
  }
  out.length = writeSizesAndPayload(b, p, args, hasHeaders, skip, size);
  return start;
}

/** `LS+ <subject>` or `LS+ <subject> <queue> <weight>`: our interest, told to a leaf peer. */
export function leafSubLine(subject: string, queue: string | null, weight = 1): string {
  return queue === null ? `LS+ ${subject}\r\n` : `LS+ ${subject} ${queue} ${weight}\r\n`;
}

/** `LS- <subject> [<queue>]`: our interest went away. */
export function leafUnsubLine(subject: string, queue: string | null): string {
  return queue === null ? `LS- ${subject}\r\n` : `LS- ${subject} ${queue}\r\n`;
}
