/**
 * A byte-bounded cache of recently stored or loaded messages for the FileStore, so consumers
 * reading near the tail (the usual case) do not go to disk. Eviction is first-in-first-out,
 * which for an append-mostly stream is close to least-recently-written. Cached buffers may be
 * views into a commit batch; the store never modifies them after they are cached.
 */

import type { StoredMessage } from "./store.ts";

/** Bookkeeping bytes charged per entry on top of its subject, headers and payload. */
const ENTRY_OVERHEAD = 64;

export class MessageCache {
  #maxBytes: number;
  #bytes = 0;
  #entries = new Map<number, StoredMessage>();
  /**
   * Insertion order for eviction. (Not the Map's own order: V8 keeps deleted Map slots until a
   * rehash, so repeatedly taking a Map's first entry after deletes is quadratic.) May hold
   * sequences already deleted; those are skipped.
   */
  #order: number[] = [];
  #head = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(seq: number): StoredMessage | undefined {
    return this.#entries.get(seq);
  }

  put(m: StoredMessage): void {
    const cost = costOf(m);
    if (cost > this.#maxBytes) return;
    this.delete(m.seq);
    this.#entries.set(m.seq, m);
    this.#order.push(m.seq);
    this.#bytes += cost;
    while (this.#bytes > this.#maxBytes && this.#head < this.#order.length) {
      this.delete(this.#order[this.#head++]);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }

  delete(seq: number): void {
    const m = this.#entries.get(seq);
    if (m === undefined) return;
    this.#entries.delete(seq);
    this.#bytes -= costOf(m);
  }

  clear(): void {
    this.#entries.clear();
    this.#order = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}

function costOf(m: StoredMessage): number {
  return ENTRY_OVERHEAD + m.subject.length + (m.headers?.length ?? 0) + m.payload.length;
}
