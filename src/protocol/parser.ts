/**
 * The client protocol parser: a state machine over the bytes of each read.
 *
 * Two states: reading a control line, or reading a payload. A control line is found with the
 * native `indexOf(LF)`, which beats a per-byte JavaScript loop by a wide margin; its arguments
 * are kept as offsets in a reused record, and payloads that lie wholly inside the read buffer
 * are handed out in place. Bytes are copied only when a read ends mid-line (into a scratch
 * line buffer) or mid-payload (into a payload buffer), so pipelined traffic costs no
 * allocation per message.
 *
 * A parser made with `forLeaf` also reads the leaf node operations (`LS+`, `LS-`, `LMSG` and the
 * leaf `HMSG`). They are recognised only after every client operation has failed to match, so
 * the client path pays nothing for them; a client parser rejects them as unknown operations.
 */
import { ERR_MAX_CONTROL_LINE, ERR_MAX_PAYLOAD, ERR_UNKNOWN_PROTOCOL_OPERATION } from "./errors.ts";
import { type ClientOpHandler, type LeafOpHandler, type MsgArgs, newMsgArgs, Op } from "./ops.ts";
import { decodeAscii } from "../util/bytes.ts";

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const UTF8 = new TextDecoder();

/** Lower-case op names, for checking a partial op at the end of a read. */
const CLIENT_OPS = [
  "pub",
  "hpub",
  "sub",
  "unsub",
  "ping",
  "pong",
  "connect",
  "info",
  "+ok",
  "-err",
];
const OP_NAMES = CLIENT_OPS.map(asciiBytes);
const LEAF_OP_NAMES = [...CLIENT_OPS, "ls+", "ls-", "lmsg", "hmsg"].map(asciiBytes);
const PLUS = 0x2b;
const PIPE = 0x7c;

export interface ParserLimits {
  maxControlLine: number;
  maxPayload: number;
}

export class ClientParser {
  /** Limits may be changed between reads (reload, per-account limits). */
  maxControlLine: number;
  maxPayload: number;

  #ops: ClientOpHandler;
  #args: MsgArgs = newMsgArgs();
  #argStart: number[] = new Array(8).fill(0);
  #argEnd: number[] = new Array(8).fill(0);
  #argCount = 0;

  /** A control line split across reads; `#lineLen > 0` or `#inLine` while one is pending. */
  #line = new Uint8Array(256);
  #lineLen = 0;
  #inLine = false;

  /** A payload split across reads: `size + 2` bytes (CRLF included). */
  #payload: Uint8Array | null = null;
  #payloadFill = 0;

  #stopped = false;

  // Leaf connections only. Declared after the client path's fields, which stay where they were.
  /** Set for a leaf connection's parser; null for a client's. */
  #leaf: LeafOpHandler | null = null;
  #opNames = OP_NAMES;
  /** Queue names of the current LMSG/HMSG (reused). */
  #queues: string[] = [];
  /** The payload being collected belongs to a leaf message (LMSG/HMSG), not a PUB. */
  #leafPayload = false;

  constructor(ops: ClientOpHandler, limits: ParserLimits) {
    this.#ops = ops;
    this.maxControlLine = limits.maxControlLine;
    this.maxPayload = limits.maxPayload;
  }

  /** A parser for a leaf node connection: client operations plus LS+, LS-, LMSG and HMSG. */
  static forLeaf(ops: LeafOpHandler, limits: ParserLimits): ClientParser {
    const parser = new ClientParser(ops, limits);
    parser.#leaf = ops;
    parser.#opNames = LEAF_OP_NAMES;
    return parser;
  }

  /** Stops parsing: the rest of the current read, and every later one, is ignored. */
  stop(): void {
    this.#stopped = true;
  }

  /** Parses `buf[0, len)`. The caller may reuse `buf` as soon as this returns. */
  parse(buf: Uint8Array, len: number): void {
    if (this.#stopped) return;
    const data = len === buf.length ? buf : buf.subarray(0, len);
    let i = 0;
    if (this.#payload !== null) {
      i = this.#fillPayload(data, 0);
      if (this.#payload !== null || this.#stopped) return;
    }
    if (this.#inLine) {
      const nl = data.indexOf(LF);
      if (nl < 0) {
        this.#savePartialLine(data, 0, len);
        return;
      }
      if (!this.#appendLine(data, 0, nl)) return;
      this.#inLine = false;
      const lineLen = this.#lineLen;
      this.#lineLen = 0;
      i = this.#processLine(this.#line, 0, lineLen, data, nl + 1);
    }
    while (i < len && !this.#stopped) {
      const nl = data.indexOf(LF, i);
      if (nl < 0) {
        this.#savePartialLine(data, i, len);
        return;
      }
      i = this.#processLine(data, i, nl, data, nl + 1);
    }
  }

  /**
   * Handles the control line `line[start, lf)` (LF excluded). A message's payload starts at
   * `data[next]`. Returns the position in `data` where the next operation starts.
   */
  #processLine(
    line: Uint8Array,
    start: number,
    lf: number,
    data: Uint8Array,
    next: number,
  ): number {
    let end = lf;
    if (end > start && line[end - 1] === CR) end--;
    let opEnd = start;
    while (opEnd < end && line[opEnd] !== SPACE && line[opEnd] !== TAB) opEnd++;
    const op = opCode(line, start, opEnd);
    if (end - start > this.maxControlLine) {
      return this.#fail(ERR_MAX_CONTROL_LINE, "control line too long", data);
    }
    switch (op) {
      case Op.Pub:
      case Op.Hpub:
        return this.#processMsgLine(op, line, opEnd, end, data, next);
      case Op.Sub:
        this.#splitArgs(line, opEnd, end);
        if (this.#argCount === 2) {
          this.#ops.onSub(this.#argString(line, 0), null, this.#argString(line, 1));
        } else if (this.#argCount === 3) {
          this.#ops.onSub(
            this.#argString(line, 0),
            this.#argString(line, 1),
            this.#argString(line, 2),
          );
        } else {
          return this.#fail(null, "SUB: wrong number of arguments", data);
        }
        return next;
      case Op.Unsub: {
        this.#splitArgs(line, opEnd, end);
        // nats-server quirks: no sid is a parse error, a max that is not a number is ignored.
        if (this.#argCount === 0) {
          return this.#fail(ERR_UNKNOWN_PROTOCOL_OPERATION, "UNSUB: missing sid", data);
        }
        if (this.#argCount > 2) return this.#fail(null, "UNSUB: too many arguments", data);
        const max = this.#argCount === 2 ? parseSize(line, this.#argStart[1], this.#argEnd[1]) : -1;
        this.#ops.onUnsub(this.#argString(line, 0), max);
        return next;
      }
      case Op.Ping:
        this.#ops.onPing();
        return next;
      case Op.Pong:
        this.#ops.onPong();
        return next;
      case Op.Connect:
        this.#ops.onConnect(restOfLine(line, opEnd, end));
        return next;
      case Op.Info:
        this.#ops.onInfo(restOfLine(line, opEnd, end));
        return next;
      case Op.Ok:
        this.#ops.onOk();
        return next;
      case Op.Err:
        this.#ops.onErr(restOfLine(line, opEnd, end));
        return next;
      default:
        // Leaf operations, or an unknown one: kept out of this switch, the client path's.
        return this.#processOtherOp(op, line, opEnd, end, data, next);
    }
  }

  #processOtherOp(
    op: Op | 0,
    line: Uint8Array,
    from: number,
    end: number,
    data: Uint8Array,
    next: number,
  ): number {
    if (this.#leaf === null || op === 0) {
      return this.#fail(ERR_UNKNOWN_PROTOCOL_OPERATION, "unknown operation", data);
    }
    if (op === Op.LeafMsg || op === Op.LeafHmsg) {
      return this.#processLeafMsgLine(op, line, from, end, data, next);
    }
    return this.#processLeafInterest(op, line, from, end, data, next);
  }

  /** `LS+ <subject> [<queue> <weight>]` or `LS- <subject> [<queue>]`. */
  #processLeafInterest(
    op: Op,
    line: Uint8Array,
    from: number,
    end: number,
    data: Uint8Array,
    next: number,
  ): number {
    this.#splitArgs(line, from, end);
    const n = this.#argCount;
    const leaf = this.#leaf!;
    if (op === Op.LeafSub) {
      if (n === 1) {
        leaf.onLeafSub(this.#argString(line, 0), null, 1);
      } else if (n === 3) {
        const weight = parseSize(line, this.#argStart[2], this.#argEnd[2]);
        if (weight < 0) return this.#fail(null, "LS+: bad queue weight", data);
        leaf.onLeafSub(this.#argString(line, 0), this.#argString(line, 1), weight);
      } else {
        return this.#fail(null, "LS+: wrong number of arguments", data);
      }
    } else if (n === 1 || n === 2) {
      leaf.onLeafUnsub(this.#argString(line, 0), n === 2 ? this.#argString(line, 1) : null);
    } else {
      return this.#fail(null, "LS-: wrong number of arguments", data);
    }
    return next;
  }

  /**
   * `LMSG <subject> [reply] <size>`, `LMSG <subject> + <reply> <queue>... <size>` or
   * `LMSG <subject> | <queue>... <size>`; the leaf `HMSG` has the same shapes with
   * `<header size> <total size>` at the end (nats-server's processLeafMsgArgs).
   */
  #processLeafMsgLine(
    op: Op,
    line: Uint8Array,
    from: number,
    end: number,
    data: Uint8Array,
    next: number,
  ): number {
    this.#splitArgs(line, from, end);
    const n = this.#argCount;
    const args = this.#args;
    const headers = op === Op.LeafHmsg;
    const sizeArgs = headers ? 2 : 1;
    if (n < sizeArgs + 1) return this.#fail(null, "LMSG: wrong number of arguments", data);
    const queues = this.#queues;
    queues.length = 0;
    this.#setSubjectAndReply(line, n === sizeArgs + 2);
    if (n > sizeArgs + 2) {
      const at = this.#argStart[1];
      const indicator = this.#argEnd[1] - at === 1 ? line[at] : 0;
      let q = 2;
      if (indicator === PLUS) {
        args.replyStart = this.#argStart[2];
        args.replyEnd = this.#argEnd[2];
        q = 3;
      } else if (indicator !== PIPE) {
        return this.#fail(null, "LMSG: bad or missing reply indicator", data);
      }
      for (; q < n - sizeArgs; q++) queues.push(this.#argString(line, q));
    }
    this.#leafPayload = true;
    return this.#sizesAndPayload(line, from, end, data, next, headers);
  }

  /** `PUB <subject> [reply] <size>` or `HPUB <subject> [reply] <header size> <total size>`. */
  #processMsgLine(
    op: Op,
    line: Uint8Array,
    from: number,
    end: number,
    data: Uint8Array,
    next: number,
  ): number {
    this.#splitArgs(line, from, end);
    const n = this.#argCount;
    const headers = op === Op.Hpub;
    const sizeArgs = headers ? 2 : 1;
    if (n !== sizeArgs + 1 && n !== sizeArgs + 2) {
      return this.#fail(null, "PUB: wrong number of arguments", data);
    }
    this.#setSubjectAndReply(line, n === sizeArgs + 2);
    this.#leafPayload = false;
    return this.#sizesAndPayload(line, from, end, data, next, headers);
  }

  /** Points the message record at argument 0 (subject) and, when `hasReply`, argument 1. */
  #setSubjectAndReply(line: Uint8Array, hasReply: boolean): void {
    const args = this.#args;
    args.buf = line;
    args.subjectStart = this.#argStart[0];
    args.subjectEnd = this.#argEnd[0];
    if (hasReply) {
      args.replyStart = this.#argStart[1];
      args.replyEnd = this.#argEnd[1];
    } else {
      args.replyStart = args.replyEnd = 0;
    }
  }

  /**
   * The sizes that end a message line (`[<header size>] <total size>`, already split into the
   * argument offsets) and the payload after it: handed out in place when this read holds all
   * of it, else collected across reads. Returns where the next operation starts.
   */
  #sizesAndPayload(
    line: Uint8Array,
    from: number,
    end: number,
    data: Uint8Array,
    next: number,
    headers: boolean,
  ): number {
    const args = this.#args;
    const last = this.#argCount - 1;
    const size = parseSize(line, this.#argStart[last], this.#argEnd[last]);
    if (size < 0) return this.#fail(null, "message: bad size", data);
    if (headers) {
      const hdr = parseSize(line, this.#argStart[last - 1], this.#argEnd[last - 1]);
      if (hdr < 0 || hdr > size) return this.#fail(null, "message: bad header size", data);
      args.headerSize = hdr;
    } else {
      args.headerSize = -1;
    }
    args.size = size;
    if (size > this.maxPayload) return this.#fail(ERR_MAX_PAYLOAD, "payload too big", data);

    if (next + size + 2 <= data.length) {
      // The whole payload is in this read: hand it out in place.
      if (data[next + size] !== CR || data[next + size + 1] !== LF) {
        return this.#fail(ERR_UNKNOWN_PROTOCOL_OPERATION, "payload not followed by CRLF", data);
      }
      args.payloadBuf = data;
      args.payloadStart = next;
      this.#emitMessage();
      return next + size + 2;
    }
    // The payload continues in a later read: keep the arguments and collect the payload.
    if (line !== this.#line) this.#keepArgs(line, from, end);
    this.#payload = new Uint8Array(size + 2);
    this.#payloadFill = 0;
    return this.#fillPayload(data, next);
  }

  /** Hands the complete message in `#args` to the handler of this parser's kind. */
  #emitMessage(): void {
    if (this.#leafPayload) this.#leaf!.onLeafMsg(this.#args, this.#queues);
    else this.#ops.onPub(this.#args);
  }

  /** Copies payload bytes from `data[from...]`; emits the message when complete. */
  #fillPayload(data: Uint8Array, from: number): number {
    const payload = this.#payload!;
    const take = Math.min(payload.length - this.#payloadFill, data.length - from);
    payload.set(data.subarray(from, from + take), this.#payloadFill);
    this.#payloadFill += take;
    if (this.#payloadFill < payload.length) return data.length;
    this.#payload = null;
    const size = payload.length - 2;
    if (payload[size] !== CR || payload[size + 1] !== LF) {
      return this.#fail(ERR_UNKNOWN_PROTOCOL_OPERATION, "payload not followed by CRLF", data);
    }
    const args = this.#args;
    args.payloadBuf = payload;
    args.payloadStart = 0;
    this.#emitMessage();
    return from + take;
  }

  /** Re-points the argument offsets at a copy of the control line in `#line`. */
  #keepArgs(line: Uint8Array, from: number, end: number): void {
    if (this.#line.length < end - from) this.#line = new Uint8Array(end - from);
    this.#line.set(line.subarray(from, end), 0);
    const args = this.#args;
    args.buf = this.#line;
    args.subjectStart -= from;
    args.subjectEnd -= from;
    if (args.replyEnd > 0) {
      args.replyStart -= from;
      args.replyEnd -= from;
    }
  }

  #savePartialLine(data: Uint8Array, from: number, to: number): void {
    if (!this.#appendLine(data, from, to)) return;
    this.#inLine = true;
    // Reject garbage at once rather than waiting for a line end that may never come.
    if (!isOpPrefix(this.#line, this.#lineLen, this.#opNames)) {
      this.#fail(ERR_UNKNOWN_PROTOCOL_OPERATION, "unknown operation", data);
    }
  }

  /** Appends to the pending line; false (after failing) when it outgrows the limit. */
  #appendLine(data: Uint8Array, from: number, to: number): boolean {
    const need = this.#lineLen + (to - from);
    // +2 leaves room for the CRLF that does not count against the limit.
    if (need > this.maxControlLine + 2) {
      this.#fail(ERR_MAX_CONTROL_LINE, "control line too long", data);
      return false;
    }
    if (need > this.#line.length) {
      const grown = new Uint8Array(Math.max(need, this.#line.length * 2));
      grown.set(this.#line.subarray(0, this.#lineLen));
      this.#line = grown;
    }
    this.#line.set(data.subarray(from, to), this.#lineLen);
    this.#lineLen = need;
    return true;
  }

  /** Splits `line[from, end)` into whitespace-separated arguments. */
  #splitArgs(line: Uint8Array, from: number, end: number): void {
    let n = 0;
    let i = from;
    while (i < end) {
      while (i < end && (line[i] === SPACE || line[i] === TAB)) i++;
      if (i >= end) break;
      const s = i;
      while (i < end && line[i] !== SPACE && line[i] !== TAB) i++;
      if (n === this.#argStart.length) {
        this.#argStart.push(0);
        this.#argEnd.push(0);
      }
      this.#argStart[n] = s;
      this.#argEnd[n] = i;
      n++;
    }
    this.#argCount = n;
  }

  #argString(line: Uint8Array, index: number): string {
    return decodeAscii(line, this.#argStart[index], this.#argEnd[index]);
  }

  #fail(errText: string | null, detail: string, data: Uint8Array): number {
    this.#stopped = true;
    this.#payload = null;
    this.#ops.onParseError({ errText, detail });
    return data.length;
  }
}

/** Identifies an operation name case-insensitively; 0 when unknown. */
function opCode(b: Uint8Array, s: number, e: number): Op | 0 {
  switch (e - s) {
    case 3: {
      const c0 = b[s] | 0x20, c1 = b[s + 1] | 0x20, c2 = b[s + 2] | 0x20;
      if (c1 === 0x75 && c2 === 0x62) { // "ub"
        if (c0 === 0x70) return Op.Pub;
        if (c0 === 0x73) return Op.Sub;
      }
      if (b[s] === 0x2b && c1 === 0x6f && c2 === 0x6b) return Op.Ok; // "+ok"
      if (c0 === 0x6c && c1 === 0x73) { // "ls+" / "ls-" (leaf connections only)
        if (b[s + 2] === 0x2b) return Op.LeafSub;
        if (b[s + 2] === 0x2d) return Op.LeafUnsub;
      }
      return 0;
    }
    case 4: {
      const c0 = b[s] | 0x20, c1 = b[s + 1] | 0x20, c2 = b[s + 2] | 0x20, c3 = b[s + 3] | 0x20;
      if (c0 === 0x70 && c2 === 0x6e && c3 === 0x67) { // "p?ng"
        if (c1 === 0x69) return Op.Ping;
        if (c1 === 0x6f) return Op.Pong;
      }
      if (c0 === 0x68 && c1 === 0x70 && c2 === 0x75 && c3 === 0x62) return Op.Hpub;
      if (c0 === 0x69 && c1 === 0x6e && c2 === 0x66 && c3 === 0x6f) return Op.Info;
      if (b[s] === 0x2d && c1 === 0x65 && c2 === 0x72 && c3 === 0x72) return Op.Err;
      if (c1 === 0x6d && c2 === 0x73 && c3 === 0x67) { // "lmsg" / "hmsg" (leaf connections only)
        if (c0 === 0x6c) return Op.LeafMsg;
        if (c0 === 0x68) return Op.LeafHmsg;
      }
      return 0;
    }
    case 5:
      return matchesLower(b, s, "unsub") ? Op.Unsub : 0;
    case 7:
      return matchesLower(b, s, "connect") ? Op.Connect : 0;
    default:
      return 0;
  }
}

function matchesLower(b: Uint8Array, s: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    if ((b[s + k] | 0x20) !== name.charCodeAt(k)) return false;
  }
  return true;
}

/** True while `line[0, len)` can still become a known operation. */
function isOpPrefix(line: Uint8Array, len: number, names: readonly Uint8Array[]): boolean {
  let opLen = 0;
  while (opLen < len && line[opLen] !== SPACE && line[opLen] !== TAB && line[opLen] !== CR) {
    opLen++;
  }
  const complete = opLen < len;
  for (const name of names) {
    if (complete ? opLen !== name.length : opLen > name.length) continue;
    let k = 0;
    while (k < opLen && (line[k] | 0x20) === name[k]) k++;
    if (k === opLen) return true;
  }
  return false;
}

function asciiBytes(name: string): Uint8Array {
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

/** Parses a non-negative decimal; -1 when empty, not all digits, or absurdly long. */
export function parseSize(b: Uint8Array, s: number, e: number): number {
  if (e <= s || e - s > 15) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The text after the operation name, leading whitespace dropped (CONNECT/INFO JSON, -ERR). */
function restOfLine(line: Uint8Array, from: number, end: number): string {
  while (from < end && (line[from] === SPACE || line[from] === TAB)) from++;
  return UTF8.decode(line.subarray(from, end));
}
