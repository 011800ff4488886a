/**
 * The header-only status messages consumers send (ADR-9, ADR-13), with nats-server's exact
 * descriptions: idle heartbeats, flow control requests, and the 400/404/408/409 answers to pull
 * requests. Also Go's `time.Duration` text, which one of those descriptions embeds.
 */
import { buildHeaders } from "../protocol/headers.ts";

export const PENDING_MSGS_HDR = "Nats-Pending-Messages";
export const PENDING_BYTES_HDR = "Nats-Pending-Bytes";
export const LAST_CONSUMER_HDR = "Nats-Last-Consumer";
export const LAST_STREAM_HDR = "Nats-Last-Stream";
export const CONSUMER_STALLED_HDR = "Nats-Consumer-Stalled";
export const MSG_SIZE_HDR = "Nats-Msg-Size";

export function statusBlock(code: number, description: string): Uint8Array {
  return buildHeaders([], code, description);
}

/** A status that tells a pull requester how much of its request was left unserved. */
export function pendingStatus(
  code: number,
  description: string,
  msgs: number,
  bytes: number,
): Uint8Array {
  return buildHeaders(
    [[PENDING_MSGS_HDR, String(msgs)], [PENDING_BYTES_HDR, String(bytes)]],
    code,
    description,
  );
}

/** `100 Idle Heartbeat` with the last delivered sequences (and the stalled flow control id). */
export function idleHeartbeat(lastDseq: number, lastSseq: number, stalledFc: string): Uint8Array {
  const entries: [string, string][] = [
    [LAST_CONSUMER_HDR, String(lastDseq)],
    [LAST_STREAM_HDR, String(lastSseq)],
  ];
  if (stalledFc !== "") entries.push([CONSUMER_STALLED_HDR, stalledFc]);
  return buildHeaders(entries, 100, "Idle Heartbeat");
}

export const FLOW_CONTROL_REQUEST = statusBlock(100, "FlowControl Request");
export const NO_MESSAGES = statusBlock(404, "No Messages");
export const CONSUMER_IS_PUSH = statusBlock(409, "Consumer is push based");
export const CONSUMER_DELETED = statusBlock(409, "Consumer Deleted");
export const EXCEEDED_MAX_WAITING = statusBlock(409, "Exceeded MaxWaiting");
export const REQUESTS_PENDING = statusBlock(408, "Requests Pending");
/** What nats-server sends a requester when nobody listens (no responders). */
export const NO_RESPONDERS = statusBlock(503, "");

function fraction(n: number, unit: number): string {
  const whole = Math.floor(n / unit);
  const rest = n - whole * unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

/** Go's `time.Duration.String()` for a nanosecond count: "1.5s", "500ms", "1m30s", "1h0m0s". */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let d = Math.abs(Math.trunc(ns));
  if (d < 1e3) return `${sign}${d}ns`;
  if (d < 1e6) return `${sign}${fraction(d, 1e3)}\u00b5s`;
  if (d < 1e9) return `${sign}${fraction(d, 1e6)}ms`;
  const h = Math.floor(d / 3.6e12);
  d -= h * 3.6e12;
  const m = Math.floor(d / 6e10);
  d -= m * 6e10;
  const hours = h > 0 ? `${h}h` : "";
  const minutes = h > 0 || m > 0 ? `${m}m` : "";
  return `${sign}${hours}${minutes}${fraction(d, 1e9)}s`;
}
