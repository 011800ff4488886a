/**
 * Pre-encoded PUB frames and the publish loop that streams them.
 *
 * A PubBatch is one chunk (~256 KiB) of PUB frames built once and written again and again; the
 * last partial chunk is a prefix of the same buffer, so publishing N messages allocates nothing
 * per message. `publish()` checks the time cap once per chunk and can hold back when receivers
 * fall too far behind (so a fast publisher measures throughput, not the server's slow-consumer
 * cut-off).
 */

import type { WireConnection } from "./wire_client.ts";

const ENCODER = new TextEncoder();
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/** Payload of `size` bytes of printable filler. */
export function payloadOf(size: number): Uint8Array {
  const p = new Uint8Array(size);
  for (let i = 0; i < size; i++) p[i] = 97 + (i % 26);
  return p;
}

export class PubBatch {
  /** The reusable chunk of whole frames. */
  readonly chunk: Uint8Array;
  /** frameEnds[k] = byte length of the first k+1 frames. */
  readonly frameEnds: Uint32Array;

  private constructor(chunk: Uint8Array, frameEnds: Uint32Array) {
    this.chunk = chunk;
    this.frameEnds = frameEnds;
  }

  get frames(): number {
    return this.frameEnds.length;
  }

  /** Average frame length in bytes. */
  get frameBytes(): number {
    return this.chunk.length / this.frames;
  }

  /** Frames cycling through `subjects` (each at least once), each carrying `size` payload bytes. */
  static forSubjects(
    subjects: string[],
    size: number,
    reply = "",
    chunkBytes = DEFAULT_CHUNK_BYTES,
  ): PubBatch {
    const payload = payloadOf(size);
    const heads = subjects.map((s) =>
      ENCODER.encode(reply === "" ? `PUB ${s} ${size}\r\n` : `PUB ${s} ${reply} ${size}\r\n`)
    );
    const ends: number[] = [];
    let total = 0;
    for (let k = 0; total < chunkBytes || k < heads.length; k++) {
      total += heads[k % heads.length].length + size + 2;
      ends.push(total);
    }
    const chunk = new Uint8Array(total);
    let at = 0;
    for (let k = 0; k < ends.length; k++) {
      const head = heads[k % heads.length];
      chunk.set(head, at);
      chunk.set(payload, at + head.length);
      chunk[ends[k] - 2] = 13;
      chunk[ends[k] - 1] = 10;
      at = ends[k];
    }
    return new PubBatch(chunk, Uint32Array.from(ends));
  }

  static forSubject(subject: string, size: number, reply = ""): PubBatch {
    return PubBatch.forSubjects([subject], size, reply);
  }

  /** The first `n` frames (n <= frames) as a view of the shared chunk. */
  prefix(n: number): Uint8Array {
    return n >= this.frames ? this.chunk : this.chunk.subarray(0, this.frameEnds[n - 1]);
  }
}

/** Wakes waiters whenever any watched connection has read something. */
export class Progress {
  #waiters: Array<() => void> = [];

  watch(wire: WireConnection): void {
    wire.onData = () => this.notify();
  }

  notify(): void {
    if (this.#waiters.length === 0) return;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Resolves on the next notify() or after `timeoutMs`, whichever is first. */
  next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }

  /** Waits until `isDone()` or the deadline (a performance.now() value); returns isDone(). */
  async until(isDone: () => boolean, deadline: number): Promise<boolean> {
    while (!isDone()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.next(Math.min(left, 100));
    }
    return true;
  }
}

/** Holds the publisher back while more than `maxAhead` messages are unreceived. */
export interface Backpressure {
  /** Messages the receivers have not yet seen, in units of published messages. */
  outstanding(sent: number): number;
  maxAhead: number;
  progress: Progress;
}

/**
 * Publishes up to `count` frames of `batch` on `wire`, stopping early at `deadline`
 * (performance.now() value). Returns the number of frames written.
 */
export async function publish(
  wire: WireConnection,
  batch: PubBatch,
  count: number,
  deadline: number,
  backpressure: Backpressure | null = null,
): Promise<number> {
  let sent = 0;
  while (sent < count && !wire.closed) {
    if (performance.now() >= deadline) break;
    if (backpressure !== null) {
      while (backpressure.outstanding(sent) > backpressure.maxAhead && !wire.closed) {
        const left = deadline - performance.now();
        if (left <= 0) return sent;
        await backpressure.progress.next(Math.min(left, 100));
      }
    }
    const n = Math.min(batch.frames, count - sent);
    await wire.write(batch.prefix(n));
    sent += n;
  }
  return sent;
}
