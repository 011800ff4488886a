/**
 * The in-memory index of a store's messages, in sequence order: for every message its subject
 * id, timestamp, accounted size and its neighbours with the same subject (a doubly linked list
 * per subject, so per-subject first/last stay exact in O(1) as messages go). Both stores keep
 * one; the MemStore also hangs each message's body on it (`aux`).
 *
 * Layout: parallel typed-array columns over positions [head, tail), ascending by sequence.
 * A removed message stays as a dead slot (subject id 0) until the columns are compacted, which
 * happens when they fill up or dead slots outnumber live ones; per-1024-slot dead counters make
 * "how many messages from seq N on" cheap. Positions are only valid within one synchronous call.
 */

import { SubjectIndex, type SubjectState } from "./subject_index.ts";

const INITIAL_CAPACITY = 1024;
const BLOCK_SHIFT = 10;
/** Compact on removal once this many dead slots exist and they outnumber live ones. */
const COMPACT_DEAD_MIN = 4096;

export interface RemovedEntry {
  subject: string;
  size: number;
  ts: number;
}

export class MessageIndex {
  readonly subjects: SubjectIndex = new SubjectIndex();
  #cap = 0;
  #seqs!: Float64Array;
  /** Subject id + 1; 0 marks a dead slot. */
  #subj!: Uint32Array;
  #ts!: Float64Array;
  #size!: Uint32Array;
  /** Sequence of the previous / next message with the same subject; 0 for none. */
  #prev!: Float64Array;
  #next!: Float64Array;
  #aux: unknown[] | null = null;
  #deadInBlock!: Int32Array;
  #head = 0;
  #tail = 0;
  /** Dead slots in [head, tail). */
  #dead = 0;
  #msgs = 0;
  #bytes = 0;
  #lastSeq: number;
  #lastTs: number;

  /** An empty index whose next message gets `lastSeq + 1`. */
  constructor(lastSeq = 0, lastTs = 0) {
    this.#lastSeq = lastSeq;
    this.#lastTs = lastTs;
    this.#allocate(INITIAL_CAPACITY);
  }

  get msgs(): number {
    return this.#msgs;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get lastSeq(): number {
    return this.#lastSeq;
  }
  get lastTs(): number {
    return this.#lastTs;
  }
  /** Sequence of the oldest message, or lastSeq + 1 when empty. */
  get firstSeq(): number {
    return this.#head < this.#tail ? this.#seqs[this.#head] : this.#lastSeq + 1;
  }
  get firstTs(): number {
    return this.#head < this.#tail ? this.#ts[this.#head] : 0;
  }
  get numDeleted(): number {
    return this.#msgs === 0 ? 0 : this.#lastSeq - this.firstSeq + 1 - this.#msgs;
  }

  /** Moves last_seq forward without a message (compact past the end, recovery watermarks). */
  advanceLast(seq: number, ts = this.#lastTs): void {
    if (seq < this.#lastSeq) throw new RangeError(`last seq ${seq} is below ${this.#lastSeq}`);
    this.#lastSeq = seq;
    this.#lastTs = ts;
  }

  append(seq: number, subject: string, ts: number, size: number): void {
    if (seq <= this.#lastSeq) throw new RangeError(`seq ${seq} is not above ${this.#lastSeq}`);
    if (this.#tail === this.#cap) this.#makeRoom();
    const pos = this.#tail++;
    const s = this.subjects.acquire(subject);
    this.#seqs[pos] = seq;
    this.#subj[pos] = s.id + 1;
    this.#ts[pos] = ts;
    this.#size[pos] = size;
    this.#prev[pos] = s.last;
    this.#next[pos] = 0;
    if (s.last !== 0) this.#next[this.#find(s.last)] = seq;
    else s.first = seq;
    s.last = seq;
    s.msgs++;
    this.#msgs++;
    this.#bytes += size;
    this.#lastSeq = seq;
    this.#lastTs = ts;
  }

  has(seq: number): boolean {
    const pos = this.#find(seq);
    return pos >= 0 && this.#subj[pos] !== 0;
  }

  /** The subject of a present message, or null. */
  subjectOf(seq: number): string | null {
    const pos = this.#find(seq);
    if (pos < 0 || this.#subj[pos] === 0) return null;
    return this.subjects.byId(this.#subj[pos] - 1)!.subject;
  }

  tsOf(seq: number): number {
    const pos = this.#find(seq);
    return pos < 0 ? 0 : this.#ts[pos];
  }

  sizeOf(seq: number): number {
    const pos = this.#find(seq);
    return pos < 0 || this.#subj[pos] === 0 ? 0 : this.#size[pos];
  }

  /** Next / previous sequence with the same subject as present message `seq` (0: none). */
  nextSameSubject(seq: number): number {
    const pos = this.#find(seq);
    return pos < 0 ? 0 : this.#next[pos];
  }
  prevSameSubject(seq: number): number {
    const pos = this.#find(seq);
    return pos < 0 ? 0 : this.#prev[pos];
  }

  /** Attaches a value to a present message (the MemStore's body). */
  setAux(seq: number, value: unknown): void {
    const pos = this.#find(seq);
    if (pos < 0) return;
    if (this.#aux === null) this.#aux = new Array(this.#cap);
    this.#aux[pos] = value;
  }

  aux(seq: number): unknown {
    const pos = this.#find(seq);
    return pos < 0 || this.#aux === null ? undefined : this.#aux[pos];
  }

  /** Removes a present message; null when it is not there. */
  remove(seq: number): RemovedEntry | null {
    const pos = this.#find(seq);
    if (pos < 0 || this.#subj[pos] === 0) return null;
    const s = this.subjects.byId(this.#subj[pos] - 1)!;
    const prev = this.#prev[pos];
    const next = this.#next[pos];
    if (prev !== 0) this.#next[this.#find(prev)] = next;
    else s.first = next;
    if (next !== 0) this.#prev[this.#find(next)] = prev;
    else s.last = prev;
    if (--s.msgs === 0) this.subjects.release(s);
    const removed = { subject: s.subject, size: this.#size[pos], ts: this.#ts[pos] };
    this.#subj[pos] = 0;
    if (this.#aux !== null) this.#aux[pos] = undefined;
    this.#msgs--;
    this.#bytes -= removed.size;
    this.#deadInBlock[pos >> BLOCK_SHIFT]++;
    this.#dead++;
    while (this.#head < this.#tail && this.#subj[this.#head] === 0) {
      this.#head++;
      this.#dead--;
    }
    if (this.#dead >= COMPACT_DEAD_MIN && this.#dead > this.#msgs) {
      let cap = INITIAL_CAPACITY;
      while (cap < this.#msgs * 2) cap *= 2;
      this.#rebuild(cap);
    }
    return removed;
  }

  /** Drops every message (purge); last_seq and last_ts stay. */
  clear(): void {
    this.subjects.clear();
    this.#aux = null;
    this.#msgs = 0;
    this.#bytes = 0;
    this.#allocate(INITIAL_CAPACITY);
  }

  /** Sequence of the first present message with seq >= fromSeq, or 0. */
  nextLive(fromSeq: number): number {
    for (let p = this.#lowerBound(fromSeq); p < this.#tail; p++) {
      if (this.#subj[p] !== 0) return this.#seqs[p];
    }
    return 0;
  }

  /** Sequence of the last present message with seq <= fromSeq, or 0. */
  prevLive(fromSeq: number): number {
    for (let p = this.#lowerBound(fromSeq + 1) - 1; p >= this.#head; p--) {
      if (this.#subj[p] !== 0) return this.#seqs[p];
    }
    return 0;
  }

  /**
   * Visits present messages with seq >= fromSeq in ascending order until `visit` returns false.
   * `visit` must not modify the index.
   */
  scan(fromSeq: number, visit: (seq: number, subjectId: number, ts: number) => boolean): void {
    for (let p = this.#lowerBound(fromSeq); p < this.#tail; p++) {
      const id = this.#subj[p];
      if (id !== 0 && !visit(this.#seqs[p], id - 1, this.#ts[p])) return;
    }
  }

  /** Like `scan`, descending from `fromSeq` (inclusive). */
  scanBackward(fromSeq: number, visit: (seq: number, subjectId: number) => boolean): void {
    for (let p = this.#lowerBound(fromSeq + 1) - 1; p >= this.#head; p--) {
      const id = this.#subj[p];
      if (id !== 0 && !visit(this.#seqs[p], id - 1)) return;
    }
  }

  /** Number of present messages with seq >= fromSeq. */
  countFrom(fromSeq: number): number {
    const pos = this.#lowerBound(fromSeq);
    const tail = this.#tail;
    if (pos >= tail) return 0;
    let dead = 0;
    const firstBlockEnd = Math.min(((pos >> BLOCK_SHIFT) + 1) << BLOCK_SHIFT, tail);
    for (let p = pos; p < firstBlockEnd; p++) if (this.#subj[p] === 0) dead++;
    const lastBlock = (tail - 1) >> BLOCK_SHIFT;
    for (let b = (pos >> BLOCK_SHIFT) + 1; b <= lastBlock; b++) dead += this.#deadInBlock[b];
    return tail - pos - dead;
  }

  /** Sequences in [firstSeq, lastSeq] that are not present. */
  deletedSeqs(): number[] {
    const out: number[] = [];
    if (this.#msgs === 0) return out;
    let expect = this.firstSeq;
    this.scan(expect, (seq) => {
      while (expect < seq) out.push(expect++);
      expect = seq + 1;
      return true;
    });
    while (expect <= this.#lastSeq) out.push(expect++);
    return out;
  }

  /** First present sequence whose timestamp is >= ts (timestamps rise with seq), or last+1. */
  seqFromTime(ts: number): number {
    let lo = this.#head;
    let hi = this.#tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ts[mid] < ts) lo = mid + 1;
      else hi = mid;
    }
    for (let p = lo; p < this.#tail; p++) if (this.#subj[p] !== 0) return this.#seqs[p];
    return this.#lastSeq + 1;
  }

  subjectState(subject: string): SubjectState | undefined {
    return this.subjects.get(subject);
  }

  /** Position of `seq` (live or dead), or -1. Positions hold ascending, distinct sequences. */
  #find(seq: number): number {
    const head = this.#head;
    const tail = this.#tail;
    if (head >= tail) return -1;
    const s0 = this.#seqs[head];
    if (seq < s0) return -1;
    // With no gaps seq sits at head + (seq - s0); gaps only move it left.
    let hi = Math.min(head + (seq - s0), tail - 1);
    if (this.#seqs[hi] === seq) return hi;
    let lo = head;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#seqs[mid];
      if (v === seq) return mid;
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** First position in [head, tail] whose sequence is >= seq. */
  #lowerBound(seq: number): number {
    let lo = this.#head;
    let hi = this.#tail;
    if (lo < hi && this.#seqs[lo] >= seq) return lo;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#seqs[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #allocate(cap: number): void {
    this.#cap = cap;
    this.#seqs = new Float64Array(cap);
    this.#subj = new Uint32Array(cap);
    this.#ts = new Float64Array(cap);
    this.#size = new Uint32Array(cap);
    this.#prev = new Float64Array(cap);
    this.#next = new Float64Array(cap);
    this.#deadInBlock = new Int32Array((cap >> BLOCK_SHIFT) + 1);
    this.#head = 0;
    this.#tail = 0;
    this.#dead = 0;
  }

  #makeRoom(): void {
    const live = this.#tail - this.#head - this.#dead;
    this.#rebuild(live < this.#cap / 2 ? this.#cap : this.#cap * 2);
  }

  /** Copies live slots, in order, into fresh columns of `cap` slots. */
  #rebuild(cap: number): void {
    const seqs = this.#seqs, subj = this.#subj, ts = this.#ts, size = this.#size;
    const prev = this.#prev, next = this.#next, aux = this.#aux;
    const head = this.#head, tail = this.#tail;
    this.#allocate(Math.max(cap, INITIAL_CAPACITY));
    this.#aux = aux === null ? null : new Array(this.#cap);
    let n = 0;
    for (let p = head; p < tail; p++) {
      if (subj[p] === 0) continue;
      this.#seqs[n] = seqs[p];
      this.#subj[n] = subj[p];
      this.#ts[n] = ts[p];
      this.#size[n] = size[p];
      this.#prev[n] = prev[p];
      this.#next[n] = next[p];
      if (aux !== null) this.#aux![n] = aux[p];
      n++;
    }
    this.#tail = n;
  }
}
