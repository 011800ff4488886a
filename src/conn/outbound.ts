/**
 * A connection's outbound buffer. Everything produced for a connection while a write is in
 * flight, or during one turn of the event loop, is coalesced and goes out in one write.
 *
 * Two buffers alternate: one is being written by the socket (and must not change until the
 * write settles) while the other is filled. Buffers start small so that thousands of idle
 * connections cost little, grow by doubling, and shrink again after a burst.
 */
import type { Conn } from "../platform/types.ts";

const INITIAL_SIZE = 512;
/** A spare buffer bigger than this is dropped when it was mostly empty, to give memory back. */
const KEEP_LARGE_SPARE = 256 * 1024;

export interface OutboundEvents {
  /** The socket failed while writing: the connection is gone. */
  onWriteError(err: unknown): void;
  /** A write finished and nothing is left to send: stalled producers may go on. */
  onDrained(): void;
}

export class Outbound {
  /** Bytes queued in `buf` and not yet handed to the socket. */
  length = 0;
  /** The buffer being filled; write at `buf[length]` after `ensure`. */
  buf: Uint8Array = new Uint8Array(0);

  #conn: Conn;
  #events: OutboundEvents;
  #spare: Uint8Array | null = null;
  #inFlight = 0;
  #writeStartedAt = 0;
  #closed = false;
  #drainWaiters: (() => void)[] = [];

  constructor(conn: Conn, events: OutboundEvents) {
    this.#conn = conn;
    this.#events = events;
  }

  /** Bytes accepted but not yet written: queued plus in flight. */
  get pending(): number {
    return this.length + this.#inFlight;
  }

  get writing(): boolean {
    return this.#inFlight > 0;
  }

  /** Has the write in flight been stuck for longer than `deadlineMs` (a slow consumer)? */
  deadlinePassed(now: number, deadlineMs: number): boolean {
    return this.#inFlight > 0 && now - this.#writeStartedAt > deadlineMs;
  }

  /** Makes room for `n` more bytes at `buf[length]`. */
  ensure(n: number): Uint8Array {
    const need = this.length + n;
    if (need <= this.buf.length) return this.buf;
    let size = Math.max(this.buf.length * 2, INITIAL_SIZE);
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    if (this.length > 0) grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    return grown;
  }

  /** Appends bytes (for control lines; messages are encoded in place via `ensure`). */
  append(bytes: Uint8Array): void {
    this.ensure(bytes.length).set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Hands queued bytes to the socket unless a write is already in flight. */
  flush(): void {
    if (this.#inFlight > 0 || this.length === 0 || this.#closed) return;
    const full = this.buf;
    const data = full.subarray(0, this.length);
    this.#inFlight = this.length;
    this.#writeStartedAt = Date.now();
    const spare = this.#spare;
    this.buf = spare !== null && spare.length >= INITIAL_SIZE ? spare : new Uint8Array(0);
    this.#spare = null;
    this.length = 0;
    this.#conn.write(data).then(
      () => this.#written(full),
      (err) => {
        this.#inFlight = 0;
        this.#wakeDrainWaiters();
        if (!this.#closed) this.#events.onWriteError(err);
      },
    );
  }

  #written(full: Uint8Array): void {
    const wrote = this.#inFlight;
    this.#inFlight = 0;
    if (this.#closed) return;
    // Keep the written buffer for the next swap unless it is large and was mostly idle.
    if (full.length <= KEEP_LARGE_SPARE || wrote > full.length / 4) this.#spare = full;
    if (this.length > 0) {
      this.flush();
    } else {
      if (this.buf.length > KEEP_LARGE_SPARE) this.buf = new Uint8Array(0);
      this.#wakeDrainWaiters();
      this.#events.onDrained();
    }
  }

  /** Resolves once everything queued so far is written, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    this.flush();
    if (this.pending === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#drainWaiters.push(done);
    });
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  close(): void {
    this.#closed = true;
    this.#wakeDrainWaiters();
    this.buf = new Uint8Array(0);
    this.#spare = null;
    this.length = 0;
  }
}
