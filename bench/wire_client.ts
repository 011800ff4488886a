/**
 * Raw TCP NATS client for the benchmark (deliberately not the official client): one loopback
 * socket, a read loop feeding a FrameScanner, serialized writes of caller-built bytes, and
 * PING/PONG as the barrier that says "the server has processed everything sent before".
 *
 * Callers pre-encode frames and hand over large buffers; this module adds no per-message work.
 */

import { FrameScanner } from "./frame_scanner.ts";

const ENCODER = new TextEncoder();
const PING = ENCODER.encode("PING\r\n");
const PONG = ENCODER.encode("PONG\r\n");
const CONNECT_JSON = JSON.stringify({
  verbose: false,
  pedantic: false,
  tls_required: false,
  name: "skiff-bench",
  lang: "deno-raw",
  version: "1.0.0",
  protocol: 1,
  headers: true,
  no_responders: false,
});

export interface WireOptions {
  /** Bytes per read; small for idle connections, large for receivers (default 256 KiB). */
  readBufferSize?: number;
  /** Bound on connect + handshake, ms (default 5000). */
  timeoutMs?: number;
}

interface PongWaiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class WireConnection {
  readonly scanner = new FrameScanner();
  /** Called after every scanned read; used for flow control and completion waits. */
  onData: (() => void) | null = null;
  /** Resolves when the read loop ends (peer closed, error, or close()). */
  readonly finished: Promise<void>;

  #conn: Deno.TcpConn;
  #pongWaiters: PongWaiter[] = [];
  #writeTail: Promise<void> = Promise.resolve();
  #closed = false;
  #lastError: string | null = null;

  private constructor(conn: Deno.TcpConn, readBufferSize: number) {
    this.#conn = conn;
    this.scanner.onPong = () => this.#pongWaiters.shift()?.resolve();
    this.scanner.onPing = () => void this.write(PONG).catch(() => {});
    this.scanner.onError = (text) => this.#lastError = text;
    this.finished = this.#readLoop(readBufferSize);
  }

  /** Connects to 127.0.0.1:port and completes CONNECT + PING/PONG. */
  static async connect(port: number, options: WireOptions = {}): Promise<WireConnection> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const conn = await withTimeout(
      Deno.connect({ hostname: "127.0.0.1", port }),
      timeoutMs,
      "connect",
    );
    conn.setNoDelay(true);
    const wire = new WireConnection(conn, options.readBufferSize ?? 256 * 1024);
    try {
      await wire.#roundTrip(ENCODER.encode(`CONNECT ${CONNECT_JSON}\r\nPING\r\n`), timeoutMs);
    } catch (e) {
      wire.close();
      throw e;
    }
    return wire;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The last -ERR text the server sent, if any. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** Writes all of `data`; writes are serialized so concurrent callers never interleave. */
  write(data: Uint8Array): Promise<void> {
    const done = this.#writeTail.then(() => this.#writeAll(data));
    this.#writeTail = done.catch(() => {});
    return done;
  }

  /** Sends PING and resolves on the matching PONG: everything sent earlier has been processed. */
  ping(timeoutMs = 10_000): Promise<void> {
    return this.#roundTrip(PING, timeoutMs);
  }

  /** Writes `data` (ending in PING) and waits for its PONG. */
  #roundTrip(data: Uint8Array, timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(this.#closedReason()));
    const pong = new Promise<void>((resolve, reject) => {
      this.#pongWaiters.push({ resolve, reject });
    });
    this.write(data).catch(() => {});
    return withTimeout(pong, timeoutMs, "PONG");
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
    this.#failWaiters();
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      offset += await this.#conn.write(data.subarray(offset));
    }
  }

  async #readLoop(size: number): Promise<void> {
    const buf = new Uint8Array(size);
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.scanner.scan(buf, n);
        if (this.onData !== null) this.onData();
      }
    } catch (e) {
      if (!this.#closed) this.#lastError ??= `read failed: ${(e as Error).message}`;
    }
    this.close();
  }

  #closedReason(): string {
    return this.#lastError !== null
      ? `connection closed (${this.#lastError})`
      : "connection closed by server";
  }

  #failWaiters(): void {
    const reason = new Error(this.#closedReason());
    for (const w of this.#pongWaiters.splice(0)) w.reject(reason);
    this.onData?.();
  }
}

/** Rejects with "timed out waiting for <what>" after `ms`; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Subscribes `wire` to `subject` (optionally in `queue`) with `sid`, without waiting. */
export function subscribe(wire: WireConnection, subject: string, sid: number, queue = ""): void {
  const line = queue === "" ? `SUB ${subject} ${sid}\r\n` : `SUB ${subject} ${queue} ${sid}\r\n`;
  wire.write(ENCODER.encode(line)).catch(() => {});
}
