/**
 * Event ids in the NUID form nats-server gives its advisories: 22 base-62 characters, a
 * random 12-character prefix and a 10-character sequence that advances by a random step, so
 * ids are unique without coordination and cheap to make.
 */

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = 62;
const PREFIX_LEN = 12;
const SEQ_LEN = 10;
const MIN_INC = 33;
const MAX_INC = 333;
/** The sequence is renewed (with a new prefix) before doubles lose integer precision. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER - MAX_INC;

export class Nuid {
  #prefix = "";
  #seq = 0;
  #inc = 0;

  constructor() {
    this.#reset();
  }

  next(): string {
    this.#seq += this.#inc;
    if (this.#seq >= MAX_SEQ) this.#reset();
    let n = this.#seq;
    let tail = "";
    for (let i = 0; i < SEQ_LEN; i++) {
      tail = DIGITS[n % BASE] + tail;
      n = Math.floor(n / BASE);
    }
    return this.#prefix + tail;
  }

  #reset(): void {
    const bytes = crypto.getRandomValues(new Uint8Array(PREFIX_LEN + 2));
    let prefix = "";
    for (let i = 0; i < PREFIX_LEN; i++) prefix += DIGITS[bytes[i] % BASE];
    this.#prefix = prefix;
    // Start low enough that the sequence runs a long time before wrapping.
    this.#seq = (bytes[PREFIX_LEN] * 256 + bytes[PREFIX_LEN + 1]) * 1_000_000;
    this.#inc = MIN_INC + (bytes[PREFIX_LEN] % (MAX_INC - MIN_INC));
  }
}
