/** Byte helpers for the hot paths: ASCII decoding and encoding without per-call TextDecoders. */

const UTF8_DECODER = new TextDecoder();
const UTF8_ENCODER = new TextEncoder();

const CHAR_CODES: number[] = [];

/**
 * Decodes `b[s, e)`. Subjects, sids and queue names are almost always ASCII, which one
 * `String.fromCharCode` call turns into a flat string; concatenating characters would build a
 * rope that has to be flattened again before every hash lookup.
 */
export function decodeAscii(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n > 64) return UTF8_DECODER.decode(b.subarray(s, e));
  const codes = CHAR_CODES;
  codes.length = n;
  for (let i = 0; i < n; i++) {
    const c = b[s + i];
    if (c >= 0x80) return UTF8_DECODER.decode(b.subarray(s, e));
    codes[i] = c;
  }
  return String.fromCharCode.apply(null, codes);
}

export function encodeUtf8(s: string): Uint8Array {
  return UTF8_ENCODER.encode(s);
}

export function decodeUtf8(b: Uint8Array): string {
  return UTF8_DECODER.decode(b);
}

/** Number of decimal digits of a non-negative integer. */
export function decimalLength(n: number): number {
  let len = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/** Writes `n` in decimal at `b[at]`; returns the position after it. */
export function writeDecimal(b: Uint8Array, at: number, n: number): number {
  const len = decimalLength(n);
  let i = at + len;
  do {
    b[--i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return at + len;
}

/** True when `a[as, ae)` and `b[bs, be)` hold the same bytes. */
export function bytesEqual(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) {
    if (a[as + i] !== b[bs + i]) return false;
  }
  return true;
}
