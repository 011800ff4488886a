/**
 * Base64 without `atob`/`btoa` quirks (they accept whitespace and need binary strings): the
 * URL-safe raw form nonces are written in, and a decoder lenient in exactly the ways NKey
 * signatures need (either alphabet, padding optional).
 */

const URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Char code -> 6-bit value, for both alphabets ('+' and '-' are 62, '/' and '_' are 63). */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[URL_ALPHABET.charCodeAt(i)] = i;
DECODE["+".charCodeAt(0)] = 62;
DECODE["/".charCodeAt(0)] = 63;

/** RFC 4648 §5 (URL and filename safe), no padding: Go's `base64.RawURLEncoding`. */
export function base64UrlEncode(data: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= data.length; i += 3) {
    const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += URL_ALPHABET[v >> 18] + URL_ALPHABET[(v >> 12) & 63] + URL_ALPHABET[(v >> 6) & 63] +
      URL_ALPHABET[v & 63];
  }
  const rest = data.length - i;
  if (rest === 1) {
    const v = data[i] << 16;
    out += URL_ALPHABET[v >> 18] + URL_ALPHABET[(v >> 12) & 63];
  } else if (rest === 2) {
    const v = (data[i] << 16) | (data[i + 1] << 8);
    out += URL_ALPHABET[v >> 18] + URL_ALPHABET[(v >> 12) & 63] + URL_ALPHABET[(v >> 6) & 63];
  }
  return out;
}

/**
 * Decodes standard or URL-safe base64, padded or not. Returns null on any other character,
 * misplaced padding or an impossible length (a lone trailing character).
 */
export function base64DecodeLenient(text: string): Uint8Array | null {
  let end = text.length;
  if (end % 4 === 0) {
    if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--;
    if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--;
  }
  if (end % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
