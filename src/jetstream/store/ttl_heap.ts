/**
 * A binary min-heap of (deadline ns, sequence) pairs for per-message TTL expiry. Entries for
 * messages removed some other way are left in place and skipped when popped (the engine checks
 * the message is still there and still has that TTL).
 */

export class TtlHeap {
  #at: number[] = [];
  #seq: number[] = [];

  get size(): number {
    return this.#at.length;
  }

  /** Earliest deadline, or Infinity. */
  peekDeadline(): number {
    return this.#at.length > 0 ? this.#at[0] : Infinity;
  }

  push(at: number, seq: number): void {
    const a = this.#at, s = this.#seq;
    let i = a.length;
    a.push(at);
    s.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= at) break;
      a[i] = a[parent];
      s[i] = s[parent];
      i = parent;
    }
    a[i] = at;
    s[i] = seq;
  }

  /** Removes and returns the sequence with the earliest deadline (the heap must be non-empty). */
  pop(): number {
    const a = this.#at, s = this.#seq;
    const top = s[0];
    const lastAt = a.pop()!;
    const lastSeq = s.pop()!;
    const n = a.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && a[child + 1] < a[child]) child++;
      if (a[child] >= lastAt) break;
      a[i] = a[child];
      s[i] = s[child];
      i = child;
    }
    a[i] = lastAt;
    s[i] = lastSeq;
    return top;
  }

  clear(): void {
    this.#at = [];
    this.#seq = [];
  }
}
