/**
 * Ack subjects and ack bodies (ADR-15). A delivered message's reply subject is
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp>.<pending>`
 * (v1, 9 tokens); the v2 form inserts `<domain>.<account hash>` after `$JS.ACK.` (11 or more
 * tokens) and is accepted too. Bodies: `+ACK` (or empty, or the legacy `+OK`), `-NAK` with an
 * optional delay, `+WPI`, `+NXT` with an optional pull request, `+TERM` with an optional reason.
 */
import { parseDuration } from "../config/duration.ts";
import { decodeUtf8 } from "../util/bytes.ts";

export const ACK_PREFIX = "$JS.ACK.";

export function ackSubject(
  stream: string,
  consumer: string,
  deliveries: number,
  sseq: number,
  dseq: number,
  ts: number,
  pending: number,
): string {
  return `${ACK_PREFIX}${stream}.${consumer}.${deliveries}.${sseq}.${dseq}.${ts}.${pending}`;
}

export interface AckReplyInfo {
  deliveries: number;
  sseq: number;
  dseq: number;
  ts: number;
  pending: number;
}

/** A non-negative decimal token, or -1 (nats-server's parseAckReplyNum). */
function decimal(s: string, start: number, end: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Decodes an ack subject; null when it is not one (wrong token count or prefix). */
export function parseAckSubject(subject: string): AckReplyInfo | null {
  if (!subject.startsWith(ACK_PREFIX)) return null;
  // Token boundaries, found with indexOf (no split): v1 has 9 tokens, v2 11 or more.
  const dots: number[] = [];
  for (let i = subject.indexOf("."); i >= 0; i = subject.indexOf(".", i + 1)) dots.push(i);
  const tokens = dots.length + 1;
  if (tokens !== 9 && tokens < 11) return null;
  const first = tokens === 9 ? 4 : 6; // index of the deliveries token
  const tok = (k: number): number => {
    const start = dots[k - 1] + 1;
    const end = k < dots.length ? dots[k] : subject.length;
    return decimal(subject, start, end);
  };
  const info = {
    deliveries: tok(first),
    sseq: tok(first + 1),
    dseq: tok(first + 2),
    ts: tok(first + 3),
    pending: tok(first + 4),
  };
  return info.sseq > 0 && info.dseq > 0 ? info : null;
}

export type AckKind = "ack" | "nak" | "progress" | "next" | "term" | "unknown";

export interface AckBody {
  kind: AckKind;
  /** What follows the verb (trimmed): a NAK delay, a TERM reason, a +NXT request. */
  arg: string;
}

const PREFIXED: readonly (readonly [string, AckKind])[] = [
  ["+NXT", "next"],
  ["-NAK", "nak"],
  ["+TERM", "term"],
];

/** Classifies an ack body the way nats-server's processAck does (exact verbs, prefixes). */
export function parseAckBody(data: Uint8Array): AckBody {
  if (data.length === 0) return { kind: "ack", arg: "" };
  const text = decodeUtf8(data);
  if (text === "+ACK" || text === "+OK") return { kind: "ack", arg: "" };
  if (text === "+WPI") return { kind: "progress", arg: "" };
  for (const [verb, kind] of PREFIXED) {
    if (text.startsWith(verb)) return { kind, arg: text.slice(verb.length).trim() };
  }
  return { kind: "unknown", arg: "" };
}

/**
 * A NAK's delay in ns: `{"delay": <ns>}` or a Go duration (`5s`). null when there is none or it
 * does not parse (nats-server then treats the NAK as a plain one).
 */
export function parseNakDelay(arg: string): number | null {
  if (arg === "") return null;
  if (arg.startsWith("{")) {
    try {
      const v = JSON.parse(arg) as { delay?: unknown };
      return typeof v.delay === "number" && Number.isInteger(v.delay) ? v.delay : null;
    } catch {
      return null;
    }
  }
  try {
    return Math.round(parseDuration(arg) * 1_000_000);
  } catch {
    return null;
  }
}
