/**
 * Pacing and shaping of deliveries: the token bucket behind rate_limit_bps, the headers_only
 * form of a message, and the byte size nats-server charges a delivery with.
 */
import { decodeUtf8, encodeUtf8 } from "../util/bytes.ts";
import { MSG_SIZE_HDR } from "./consumer_status.ts";

/** Token bucket for rate_limit_bps (bits per second). */
export class RateLimiter {
  #rate: number;
  #burst: number;
  #tokens: number;
  #last: number;

  constructor(bps: number, burst: number, now: number) {
    this.#rate = bps / 8;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes `bytes`; returns how long (ms) the caller must wait before sending them. */
  take(bytes: number, now: number): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    this.#tokens -= bytes;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000;
  }
}

/** UTF-8 length of a subject (subjects are nearly always ASCII). */
export function byteLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return encodeUtf8(s).length;
  return s.length;
}

/** headers_only: the original headers (if any) plus `Nats-Msg-Size`, and no payload. */
export function headersOnly(hdr: Uint8Array | null, size: number): Uint8Array {
  const head = hdr === null || hdr.length === 0 ? "NATS/1.0\r\n" : decodeUtf8(hdr).slice(0, -2);
  return encodeUtf8(`${head}${MSG_SIZE_HDR}: ${size}\r\n\r\n`);
}
