/**
 * A bounded cache with O(1) operations and approximately-LRU behaviour: entries live in a
 * young and an old generation; a hit in the old one is promoted; when the young generation is
 * full it becomes the old one and the previous old one is dropped whole.
 *
 * Why not evict from one Map: deleting the oldest entries leaves holes that every later
 * eviction walks over again from the front, which made eviction the most expensive part of a
 * cache miss. Dropping a whole generation costs nothing but garbage.
 */
export class TwoGenCache<K, V> {
  readonly capacity: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  #half: number;

  /** Holds at least `capacity / 2` and at most `capacity` entries. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#half = Math.max(1, capacity >> 1);
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    const v = this.#young.get(key);
    if (v !== undefined) return v;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.set(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (this.#young.size >= this.#half && !this.#young.has(key)) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#young = new Map();
    this.#old = new Map();
  }

  *values(): IterableIterator<V> {
    yield* this.#young.values();
    yield* this.#old.values();
  }

  *keys(): IterableIterator<K> {
    yield* this.#young.keys();
    yield* this.#old.keys();
  }
}
