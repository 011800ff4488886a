/**
 * A bounded ring of recently closed connections for `/connz?state=closed` (nats-server keeps
 * the last 10,000). Pushing past capacity overwrites the oldest entry; memory never grows past
 * `capacity` records.
 */

/** nats-server's `DEFAULT_MAX_CLOSED_CLIENTS`. */
export const DEFAULT_MAX_CLOSED_CLIENTS = 10_000;

export class ClosedRing<T> {
  readonly capacity: number;
  #items: T[] = [];
  /** Index of the oldest entry once the ring is full. */
  #head = 0;

  constructor(capacity: number = DEFAULT_MAX_CLOSED_CLIENTS) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Closed ring capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#head] = item;
    this.#head = (this.#head + 1) % this.capacity;
  }

  /** The entries, oldest first (a copy). */
  toArray(): T[] {
    const items = this.#items;
    if (this.#head === 0) return items.slice();
    return items.slice(this.#head).concat(items.slice(0, this.#head));
  }
}
