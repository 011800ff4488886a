/** Nanosecond wall-clock times and their RFC 3339 form, as Go's JSON encodes `time.Time`. */

/** Go's zero time, which nats-server reports for "never" (e.g. first_ts of an empty stream). */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

export function nowNs(): number {
  return Date.now() * 1_000_000;
}

/** `2006-01-02T15:04:05.999999999Z`, trailing zeros of the fraction trimmed; 0 is the zero time. */
export function rfc3339Nano(ns: number): string {
  if (ns <= 0) return ZERO_TIME;
  const ms = Math.floor(ns / 1_000_000);
  const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.999Z
  const nanos = Math.round(ns - ms * 1_000_000) + (ms % 1000) * 1_000_000;
  const frac = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac ? "." + frac : ""}Z`;
}

/** Parses RFC 3339 (with optional nanoseconds) to nanoseconds; NaN when invalid. */
export function parseRfc3339Ns(text: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (m === null) return NaN;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return NaN;
  return ms * 1_000_000 + Number((m[2] ?? "").padEnd(9, "0") || "0");
}
