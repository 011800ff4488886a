/**
 * Age and per-message TTL expiry for a store: which messages are due at a given time and when
 * the next one will be, plus the timer that wakes the store then.
 *
 * Messages with their own TTL are exempt from max age (ADR-43): TTL > 0 expires at ts + ttl,
 * TTL -1 never expires. Max age walks from the oldest message and stops at the first one young
 * enough (timestamps rise with sequences); a cursor remembers how far the walk got past exempt
 * messages so they are not walked again.
 */

import type { MessageIndex } from "./msg_index.ts";
import type { RemovalReason } from "./store.ts";
import { TtlHeap } from "./ttl_heap.ts";

/** setTimeout's ceiling (ms); longer waits re-arm when the timer fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Expiry {
  #index: MessageIndex;
  #now: () => number;
  #onTimer: (() => void) | null;
  /** Messages with their own TTL, seq -> ttl ns. */
  #ttls = new Map<number, number>();
  #heap = new TtlHeap();
  /** Every message below this sequence is gone or exempt from max age. */
  #ageCursor = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;

  /** `onTimer` runs when a deadline passes; null disables the timer (tests expire by hand). */
  constructor(index: MessageIndex, now: () => number, onTimer: (() => void) | null) {
    this.#index = index;
    this.#now = now;
    this.#onTimer = onTimer;
  }

  /** Registers a message's own TTL (0: none). */
  track(seq: number, ttl: number, ts: number): void {
    if (ttl === 0) return;
    this.#ttls.set(seq, ttl);
    if (ttl > 0) this.#heap.push(ts + ttl, seq);
  }

  /** The message is gone (its heap entry, if any, is skipped when it comes up). */
  forget(seq: number): void {
    this.#ttls.delete(seq);
  }

  clear(): void {
    this.#ttls.clear();
    this.#heap.clear();
  }

  /** Messages due for removal at `now`, with why. */
  due(maxAge: number, now: number): { seq: number; reason: RemovalReason }[] {
    const out: { seq: number; reason: RemovalReason }[] = [];
    const index = this.#index;
    if (maxAge > 0 && index.msgs > 0) {
      const cutoff = now - maxAge;
      let stoppedAt = 0;
      index.scan(Math.max(this.#ageCursor, index.firstSeq), (seq, _id, ts) => {
        if (ts > cutoff) return (stoppedAt = seq), false;
        if (!this.#ttls.has(seq)) out.push({ seq, reason: "max_age" });
        return true;
      });
      this.#ageCursor = stoppedAt !== 0 ? stoppedAt : index.lastSeq + 1;
    }
    while (this.#heap.peekDeadline() <= now) {
      const seq = this.#heap.pop();
      if ((this.#ttls.get(seq) ?? 0) > 0) out.push({ seq, reason: "ttl" });
    }
    return out;
  }

  /**
   * Makes sure the timer fires by the next deadline. Cheap when `deadline` (of a message just
   * stored) is not earlier than the armed one; `force` recomputes from scratch.
   */
  arm(maxAge: number, deadline = -Infinity, force = false): void {
    if (this.#onTimer === null || (!force && deadline >= this.#timerAt)) return;
    const next = this.#nextDeadline(maxAge);
    if (!force && next >= this.#timerAt) return;
    this.stop();
    if (next === Infinity) return;
    const delayMs = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil((next - this.#now()) / 1e6)));
    this.#timerAt = next;
    const onTimer = this.#onTimer;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      onTimer();
    }, delayMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** The earliest pending deadline (ns), or Infinity. */
  #nextDeadline(maxAge: number): number {
    let next = this.#heap.peekDeadline();
    const index = this.#index;
    if (maxAge > 0 && index.msgs > 0) {
      let cursor = Math.max(this.#ageCursor, index.firstSeq);
      index.scan(cursor, (seq, _id, ts) => {
        if (this.#ttls.has(seq)) return (cursor = seq + 1), true; // exempt: never ages out
        next = Math.min(next, ts + maxAge);
        return false;
      });
      this.#ageCursor = cursor;
    }
    return next;
  }
}
