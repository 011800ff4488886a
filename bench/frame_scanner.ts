/**
 * Byte-level scanner for what a NATS server sends to a client, built to count, not to decode.
 *
 * Per MSG/HMSG frame it walks the control line to its LF, reads the size digits backwards from
 * the CR (the size is always the last token), and then jumps over the payload without looking
 * at it. No strings, no per-message allocation. A control line cut by a read boundary is copied
 * into a small carry buffer; a payload cut by a read boundary is just a remaining skip count.
 * PING, PONG and -ERR are reported through callbacks; INFO and +OK are ignored.
 */

const LF = 10;
const CR = 13;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const UPPER_M = 77;
const UPPER_H = 72;
const UPPER_P = 80;
const UPPER_I = 73;
const MINUS = 45;
const CASE_BIT = 0x20;

export class FrameScanner {
  /** MSG and HMSG frames seen so far. */
  messages = 0;
  /** Called once per MSG/HMSG, after `messages` is incremented. */
  onMessage: (() => void) | null = null;
  onPing: (() => void) | null = null;
  onPong: (() => void) | null = null;
  onError: ((text: string) => void) | null = null;

  /** Payload bytes (plus the trailing CRLF) still to jump over. */
  #skip = 0;
  #carry = new Uint8Array(1024);
  #carryLength = 0;

  /** Scans `buf[0, end)`. The caller may reuse `buf` once this returns. */
  scan(buf: Uint8Array, end: number): void {
    let i = 0;
    while (i < end) {
      if (this.#skip > 0) {
        const available = end - i;
        if (this.#skip >= available) {
          this.#skip -= available;
          return;
        }
        i += this.#skip;
        this.#skip = 0;
      }
      let lf = i;
      while (lf < end && buf[lf] !== LF) lf++;
      if (lf === end) {
        this.#appendCarry(buf, i, end);
        return;
      }
      if (this.#carryLength > 0) {
        this.#appendCarry(buf, i, lf + 1);
        const carried = this.#carryLength;
        this.#carryLength = 0;
        this.#controlLine(this.#carry, 0, carried - 1);
      } else {
        this.#controlLine(buf, i, lf);
      }
      i = lf + 1;
    }
  }

  /** Handles the control line `b[start, lf)`; `b[lf]` is its LF. */
  #controlLine(b: Uint8Array, start: number, lf: number): void {
    const end = lf > start && b[lf - 1] === CR ? lf - 1 : lf;
    if (end <= start) return;
    const op = b[start] & ~CASE_BIT;
    if (op === UPPER_M || op === UPPER_H) {
      // MSG <subject> <sid> [reply] <size> / HMSG ... <hdr size> <total size>: last token.
      let size = 0;
      let scale = 1;
      let k = end - 1;
      while (k > start && b[k] >= DIGIT_0 && b[k] <= DIGIT_9) {
        size += (b[k] - DIGIT_0) * scale;
        scale *= 10;
        k--;
      }
      this.#skip = size + 2;
      this.messages++;
      if (this.onMessage !== null) this.onMessage();
    } else if (op === UPPER_P && end - start >= 4) {
      if ((b[start + 1] & ~CASE_BIT) === UPPER_I) this.onPing?.();
      else this.onPong?.();
    } else if (op === MINUS) {
      this.onError?.(new TextDecoder().decode(b.subarray(start, end)));
    }
  }

  #appendCarry(buf: Uint8Array, from: number, to: number): void {
    const needed = this.#carryLength + (to - from);
    if (needed > this.#carry.length) {
      const grown = new Uint8Array(Math.max(needed, this.#carry.length * 2));
      grown.set(this.#carry.subarray(0, this.#carryLength));
      this.#carry = grown;
    }
    this.#carry.set(buf.subarray(from, to), this.#carryLength);
    this.#carryLength = needed;
  }
}
