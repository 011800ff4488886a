/**
 * A small raw-protocol client for the JetStream scenarios, plus what they share: starting a
 * JetStream-enabled server on a fresh store, the JetStream API requests they need, and the
 * windowed publisher.
 *
 * Unlike `wire_client.ts` (which only counts MSG frames), this client hands each MSG/HMSG to a
 * per-subscription handler with its reply subject and payload, because JetStream needs both:
 * a publish ack is the JSON reply `{"stream":..,"seq":..}`, and a pulled message is acked by
 * publishing `+ACK` to its reply subject. Handlers see views into the read buffer, valid only
 * during the call; `afterRead` runs once per socket read so callers can batch their writes.
 */

import { CpuMeter } from "../cpu_meter.ts";
import { payloadOf } from "../pub_batch.ts";
import { type RunningServer, startServer, withJetStream } from "../servers.ts";
import { withTimeout } from "../wire_client.ts";
import type { Metric, ScenarioContext } from "./types.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const PING = ENCODER.encode("PING\r\n");
const PONG = ENCODER.encode("PONG\r\n");
const LF = 10;
const CONNECT_JSON = JSON.stringify({
  verbose: false,
  pedantic: false,
  tls_required: false,
  name: "skiff-bench-js",
  lang: "deno-raw",
  version: "1.0.0",
  protocol: 1,
  headers: true,
  no_responders: true,
});

/** Durability footnotes for rows whose figure waits on a stored write being acknowledged. */
export const DURABILITY_NOTE: Record<"skiff" | "nats", string> = {
  skiff: "acks a JetStream write only after fsync (group commit)",
  nats: "2.9.10 acks a JetStream write before fsync (lazy sync every 2 min): " +
    "a faster ack that promises less; read the ratio with that in mind",
};

/** Joins notes, skipping missing ones; undefined when none is left. */
export function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const kept = notes.filter((n): n is string => n !== undefined && n !== "");
  return kept.length === 0 ? undefined : kept.join("; ");
}

/** (reply subject, header bytes or null, payload) of one delivered message. */
export type MsgHandler = (reply: string, headers: Uint8Array | null, payload: Uint8Array) => void;

interface PongWaiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class JsWire {
  /** Runs after every socket read has been parsed (handlers may have queued work). */
  afterRead: (() => void) | null = null;
  readonly finished: Promise<void>;
  readonly inbox = `_INBOX.bench${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;

  #conn: Deno.TcpConn;
  #handlers = new Map<number, MsgHandler>();
  #nextSid = 1;
  #pongWaiters: PongWaiter[] = [];
  #writeTail: Promise<void> = Promise.resolve();
  #closed = false;
  #lastError: string | null = null;
  #buf = new Uint8Array(512 * 1024);
  #len = 0;
  #replies = new Map<string, (payload: Uint8Array, headers: Uint8Array | null) => void>();
  #nextToken = 1;
  /** The wildcard subscription for request() replies, routed by their last token. */
  #replySid: number;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#replySid = this.#nextSid++;
    this.finished = this.#readLoop();
  }

  static async connect(port: number, timeoutMs = 5_000): Promise<JsWire> {
    const conn = await withTimeout(
      Deno.connect({ hostname: "127.0.0.1", port }),
      timeoutMs,
      "connect",
    );
    conn.setNoDelay(true);
    const wire = new JsWire(conn);
    try {
      await wire.#roundTrip(
        ENCODER.encode(
          `CONNECT ${CONNECT_JSON}\r\nSUB ${wire.inbox}.r.* ${wire.#replySid}\r\nPING\r\n`,
        ),
        timeoutMs,
      );
    } catch (e) {
      wire.close();
      throw e;
    }
    return wire;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  /** Subscribes `subject` with `handler`; takes effect in order with later writes. */
  subscribe(subject: string, handler: MsgHandler): number {
    const sid = this.#nextSid++;
    this.#handlers.set(sid, handler);
    this.write(ENCODER.encode(`SUB ${subject} ${sid}\r\n`)).catch(() => {});
    return sid;
  }

  /** Serialized write of all of `data`. */
  write(data: Uint8Array): Promise<void> {
    const done = this.#writeTail.then(() => this.#writeAll(data));
    this.#writeTail = done.catch(() => {});
    return done;
  }

  ping(timeoutMs = 10_000): Promise<void> {
    return this.#roundTrip(PING, timeoutMs);
  }

  /** Publishes `body` to `subject` with a private reply subject; resolves with the reply. */
  request(subject: string, body: string, timeoutMs = 10_000): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error(this.#closedReason()));
    const token = String(this.#nextToken++);
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      this.#replies.set(token, (payload, headers) => {
        const status = headers === null ? "" : statusOf(headers);
        if (payload.length === 0 && status !== "") {
          reject(new Error(`${subject}: status ${status}`));
        } else resolve(payload.slice());
      });
    });
    const bytes = ENCODER.encode(body);
    const head = ENCODER.encode(`PUB ${subject} ${this.inbox}.r.${token} ${bytes.length}\r\n`);
    const frame = new Uint8Array(head.length + bytes.length + 2);
    frame.set(head);
    frame.set(bytes, head.length);
    frame.set([13, 10], head.length + bytes.length);
    this.write(frame).catch(() => {});
    return withTimeout(reply, timeoutMs, `reply from ${subject}`).finally(() =>
      this.#replies.delete(token)
    );
  }

  /** A JetStream API call: JSON in, JSON out; throws on an `error` member. */
  async api<T = Record<string, unknown>>(subject: string, body: unknown = ""): Promise<T> {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const reply = JSON.parse(DECODER.decode(await this.request(subject, text)));
    if (reply.error !== undefined) {
      throw new Error(`${subject}: ${reply.error.description ?? JSON.stringify(reply.error)}`);
    }
    return reply as T;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
    const reason = new Error(this.#closedReason());
    for (const w of this.#pongWaiters.splice(0)) w.reject(reason);
    this.afterRead?.();
  }

  #roundTrip(data: Uint8Array, timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(this.#closedReason()));
    const pong = new Promise<void>((resolve, reject) => {
      this.#pongWaiters.push({ resolve, reject });
    });
    this.write(data).catch(() => {});
    return withTimeout(pong, timeoutMs, "PONG");
  }

  #closedReason(): string {
    return this.#lastError !== null
      ? `connection closed (${this.#lastError})`
      : "connection closed by server";
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) offset += await this.#conn.write(data.subarray(offset));
  }

  async #readLoop(): Promise<void> {
    try {
      while (true) {
        if (this.#len === this.#buf.length) {
          const grown = new Uint8Array(this.#buf.length * 2);
          grown.set(this.#buf);
          this.#buf = grown;
        }
        const n = await this.#conn.read(this.#buf.subarray(this.#len));
        if (n === null) break;
        this.#len += n;
        this.#parse();
        this.afterRead?.();
      }
    } catch (e) {
      if (!this.#closed) this.#lastError ??= `read failed: ${(e as Error).message}`;
    }
    this.close();
  }

  /** Consumes every complete frame in the buffer and keeps the incomplete rest. */
  #parse(): void {
    const b = this.#buf;
    let at = 0;
    while (at < this.#len) {
      const lf = b.indexOf(LF, at);
      if (lf < 0 || lf >= this.#len) break;
      const lineEnd = lf > at && b[lf - 1] === 13 ? lf - 1 : lf;
      const line = DECODER.decode(b.subarray(at, lineEnd));
      const op = line.slice(0, 4).toUpperCase();
      if (op.startsWith("MSG ") || op === "HMSG") {
        const t = line.split(" ");
        const headered = op === "HMSG";
        const total = Number(t[t.length - 1]);
        const headerBytes = headered ? Number(t[t.length - 2]) : 0;
        const tokens = t.length - (headered ? 1 : 0);
        const reply = tokens === 5 ? t[3] : "";
        const start = lf + 1;
        if (start + total + 2 > this.#len) break;
        const sid = Number(t[2]);
        const headers = headered ? b.subarray(start, start + headerBytes) : null;
        const payload = b.subarray(start + headerBytes, start + total);
        if (sid === this.#replySid) {
          const subject = t[1];
          const token = subject.slice(subject.lastIndexOf(".") + 1);
          this.#replies.get(token)?.(payload, headers);
        } else {
          this.#handlers.get(sid)?.(reply, headers, payload);
        }
        at = start + total + 2;
        continue;
      }
      if (op === "PING") this.write(PONG).catch(() => {});
      else if (op === "PONG") this.#pongWaiters.shift()?.resolve();
      else if (op.startsWith("-ERR")) this.#lastError = line;
      at = lf + 1;
    }
    if (at > 0) {
      b.copyWithin(0, at, this.#len);
      this.#len -= at;
    }
  }
}

/** "503" from a `NATS/1.0 503 ...` header block, or "" when it carries no status. */
export function statusOf(headers: Uint8Array): string {
  const first = DECODER.decode(headers.subarray(0, Math.min(headers.length, 64)));
  const m = /^NATS\/1\.0 (\d{3})/.exec(first);
  return m === null ? "" : m[1];
}

/** An error text for a publish-ack reply that is not a plain `{"stream":..,"seq":..}`. */
export function ackProblem(headers: Uint8Array | null, payload: Uint8Array): string | null {
  if (headers !== null && payload.length === 0) return `status ${statusOf(headers) || "?"}`;
  // `"error"` anywhere in the (small) JSON means a failed publish.
  for (let i = 0; i + 6 < payload.length; i++) {
    if (
      payload[i] === 34 && payload[i + 1] === 101 && payload[i + 2] === 114 &&
      payload[i + 3] === 114 && payload[i + 4] === 111 && payload[i + 5] === 114 &&
      payload[i + 6] === 34
    ) return DECODER.decode(payload);
  }
  return null;
}

/** `PUB <subject> <reply> <size>\r\n<payload>\r\n` repeated `n` times in one buffer. */
export function pubFrames(subject: string, reply: string, size: number, n: number): Uint8Array {
  const head = ENCODER.encode(`PUB ${subject} ${reply} ${size}\r\n`);
  const one = head.length + size + 2;
  const out = new Uint8Array(one * n);
  const payload = payloadOf(size);
  for (let k = 0; k < n; k++) {
    out.set(head, k * one);
    out.set(payload, k * one + head.length);
    out[k * one + one - 2] = 13;
    out[k * one + one - 1] = 10;
  }
  return out;
}

/** The file-backed stream every JetStream scenario uses (limits retention, one replica). */
export async function createStream(wire: JsWire, name: string, subjects: string[]): Promise<void> {
  await wire.api(`$JS.API.STREAM.CREATE.${name}`, {
    name,
    subjects,
    storage: "file",
    retention: "limits",
    num_replicas: 1,
  });
}

export interface WindowedResult {
  sent: number;
  acked: number;
  ms: number;
}

/**
 * Publishes `count` messages of `size` bytes to `subject` with at most `window` acks
 * outstanding; refills after every read that brought acks. Stops sending at `deadline`. Any
 * negative ack (or status reply) throws.
 */
export async function publishWindowed(
  wire: JsWire,
  subject: string,
  size: number,
  count: number,
  window: number,
  deadline: number,
): Promise<WindowedResult> {
  const ackSubject = `${wire.inbox}.a`;
  const frames = pubFrames(subject, ackSubject, size, window);
  const frameBytes = frames.length / window;
  let sent = 0;
  let acked = 0;
  let problem: string | null = null;
  const sid = wire.subscribe(ackSubject, (_reply, headers, payload) => {
    acked++;
    problem ??= ackProblem(headers, payload);
  });
  await wire.ping();
  const refill = () => {
    if (problem !== null || performance.now() >= deadline) return;
    const n = Math.min(window - (sent - acked), count - sent);
    if (n <= 0) return;
    sent += n;
    wire.write(frames.subarray(0, n * frameBytes)).catch(() => {});
  };
  const t0 = performance.now();
  refill();
  await new Promise<void>((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      wire.afterRead = null;
      resolve();
    };
    wire.afterRead = () => {
      refill();
      const stopped = problem !== null || performance.now() >= deadline;
      if (wire.closed || acked >= count || (stopped && acked >= sent) || problem !== null) {
        finish();
      }
    };
    const timer = setTimeout(finish, Math.max(0, deadline - performance.now()));
  });
  const ms = performance.now() - t0;
  wire.write(ENCODER.encode(`UNSUB ${sid}\r\n`)).catch(() => {});
  if (problem !== null) throw new Error(`publish failed after ${acked} acks: ${problem}`);
  if (wire.closed && acked < sent) {
    throw new Error(`connection lost after ${acked} acks (${wire.lastError ?? "closed"})`);
  }
  return { sent, acked, ms };
}

/**
 * Runs `body` against a fresh JetStream-enabled server (`-js -sd <temp dir>`) that this
 * scenario owns: the driver starts servers without JetStream, so JetStream scenarios set
 * `ownsServer` and start their own here, point the CPU meter at it, and report a crash with the
 * tail of its output. The server is stopped (and its store removed) before this returns.
 */
export async function withJsServer(
  ctx: ScenarioContext,
  body: (server: RunningServer) => Promise<Metric[]>,
): Promise<Metric[]> {
  const t0 = performance.now();
  const server = await startServer(withJetStream(ctx.spec));
  // Start-up is not part of the budget of other scenarios either (the driver's watchdog has
  // 15 s of grace past --seconds; start-up takes well under that).
  ctx.deadline += performance.now() - t0;
  ctx.server = server;
  ctx.cpu = new CpuMeter(server.pid);
  // Close the sockets before the driver's watchdog gives up on this run.
  const killer = setTimeout(
    () => void server.stop(),
    Math.max(0, ctx.deadline - performance.now()) + 10_000,
  );
  try {
    const metrics = await body(server);
    if (server.crashed) throw new Error("the server died during the run");
    return metrics;
  } catch (e) {
    let message = (e as Error).message;
    if (!server.exited) await server.waitForExit(250);
    if (server.crashed) {
      const tail = server.outputTail().split("\n").slice(-2).join(" | ");
      message += ` (server exit code ${server.exitCode}${tail === "" ? "" : `: ${tail}`})`;
    }
    throw new Error(message);
  } finally {
    clearTimeout(killer);
    await server.stop();
  }
}
