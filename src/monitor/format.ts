/**
 * Value formats nats-server's monitoring JSON uses, so Go tools decode Skiff's output into the
 * same structs: RFC 3339 timestamps with a trimmed fraction, Go `time.Duration` strings, the
 * coarse "1d2h3m4s" uptime, and durations as integer nanoseconds.
 */

const NS_PER_MS = 1_000_000;
const NS_PER_US = 1_000;
const NS_PER_S = 1_000_000_000;

/** Wall-clock milliseconds since the epoch, with a sub-millisecond fraction where available. */
export function hiResNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Go's `time.RFC3339Nano` in UTC: `2024-01-02T03:04:05.123456Z`, trailing zeros of the
 * fraction trimmed, no fraction at all on a whole second. The fraction is kept to the
 * microsecond, which is what an epoch-milliseconds double still holds exactly.
 */
export function rfc3339(epochMs: number): string {
  let seconds = Math.floor(epochMs / 1000);
  let micros = Math.round((epochMs - seconds * 1000) * 1000);
  if (micros >= 1_000_000) {
    seconds += 1;
    micros -= 1_000_000;
  }
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (micros === 0) return `${base}Z`;
  const frac = String(micros).padStart(6, "0").replace(/0+$/, "");
  return `${base}.${frac}Z`;
}

/** Milliseconds as the integer nanoseconds Go's `time.Duration` marshals to (`/varz` intervals). */
export function durationNanos(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}

/**
 * nats-server's `myUptime`: whole seconds only, the largest unit first, every smaller unit
 * shown once a larger one is (`45s`, `2m0s`, `1h0m5s`, `3d4h0m0s`, `1y0d0h0m0s`).
 */
export function uptimeString(ms: number): string {
  const tsecs = Math.max(0, Math.floor(ms / 1000));
  const tmins = Math.floor(tsecs / 60);
  const thrs = Math.floor(tmins / 60);
  const tdays = Math.floor(thrs / 24);
  const tyrs = Math.floor(tdays / 365);
  if (tyrs > 0) return `${tyrs}y${tdays % 365}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (tdays > 0) return `${tdays}d${thrs % 24}h${tmins % 60}m${tsecs % 60}s`;
  if (thrs > 0) return `${thrs}h${tmins % 60}m${tsecs % 60}s`;
  if (tmins > 0) return `${tmins}m${tsecs % 60}s`;
  return `${tsecs}s`;
}

/**
 * Go's `time.Duration.String()` for a whole number of nanoseconds: `0s`, `850ns`, `745µs`,
 * `1.5ms`, `2.25s`, `2m0s`, `1h2m3.5s`.
 */
export function goDuration(nanos: number): string {
  const ns = Math.trunc(nanos);
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  const u = Math.abs(ns);
  if (u < NS_PER_US) return `${sign}${u}ns`;
  if (u < NS_PER_MS) return `${sign}${fraction(u, NS_PER_US)}µs`;
  if (u < NS_PER_S) return `${sign}${fraction(u, NS_PER_MS)}ms`;
  const totalSeconds = Math.floor(u / NS_PER_S);
  const secs = `${totalSeconds % 60}${fractionDigits(u % NS_PER_S, NS_PER_S)}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes === 0) return `${sign}${secs}`;
  const hours = Math.floor(totalMinutes / 60);
  const mins = `${totalMinutes % 60}m`;
  return hours === 0 ? `${sign}${mins}${secs}` : `${sign}${hours}h${mins}${secs}`;
}

/**
 * nats-server's RTT rendering: below a millisecond the value is truncated to whole
 * microseconds, otherwise shown to the nanosecond.
 */
export function rttString(ms: number): string {
  let ns = Math.round(ms * NS_PER_MS);
  if (ns > NS_PER_US && ns < NS_PER_MS) ns -= ns % NS_PER_US;
  return goDuration(ns);
}

function fraction(value: number, unit: number): string {
  return `${Math.floor(value / unit)}${fractionDigits(value % unit, unit)}`;
}

/** ".5", ".25", "" for a remainder of `rest` out of `unit` (a power of ten). */
function fractionDigits(rest: number, unit: number): string {
  if (rest === 0) return "";
  const width = String(unit).length - 1;
  return "." + String(rest).padStart(width, "0").replace(/0+$/, "");
}
