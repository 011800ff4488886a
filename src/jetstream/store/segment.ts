/**
 * One segment file of a FileStore stream: an append-only run of records holding messages with
 * ascending sequences (plus deletion facts and watermarks). This is its in-memory description:
 * where each of its messages sits (seq -> offset, ascending, looked up by guess-then-binary-
 * search), how much of it is still live (to decide drops and compactions), which deletions it
 * records (to carry them forward if the file is dropped), and its open handles.
 *
 * File names: `<id, 10 digits>.seg`, its index sidecar `<id>.idx`.
 */

import type { FileHandle } from "../../platform/types.ts";

export function segmentFileName(id: number): string {
  return `${String(id).padStart(10, "0")}.seg`;
}

export function sidecarFileName(id: number): string {
  return `${String(id).padStart(10, "0")}.idx`;
}

/** The id of a segment or sidecar file name, or -1 for other names. */
export function parseSegmentId(name: string, ext: ".seg" | ".idx"): number {
  if (!name.endsWith(ext) || name.length !== 10 + ext.length) return -1;
  const id = Number(name.slice(0, 10));
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

export class Segment {
  readonly id: number;
  /** Last sequence assigned before this segment was started (its opening Mark). */
  readonly baseSeq: number;
  /** Identifies this write of the file; a rewrite (compaction) gets a new one. */
  epoch: number;
  /** Bytes laid out so far: the next record goes here. */
  size = 0;
  /** Live messages in this file and their record bytes. */
  live = 0;
  liveBytes = 0;
  /** Sequences whose deletion this file records (Delete records). */
  holds: number[] = [];
  sealed = false;
  writer: FileHandle | null = null;
  /**
   * Set while the file is being replaced (compaction): from just before the rename until the
   * new offsets are in place. Readers wait for it, so a handle and the offsets used with it
   * always describe the same file.
   */
  rewriting: Promise<void> | null = null;
  #seqs = new Float64Array(64);
  #offsets = new Uint32Array(64);
  #count = 0;

  constructor(id: number, baseSeq: number, epoch: number) {
    this.id = id;
    this.baseSeq = baseSeq;
    this.epoch = epoch;
  }

  get fileName(): string {
    return segmentFileName(this.id);
  }

  get sidecarName(): string {
    return sidecarFileName(this.id);
  }

  get entryCount(): number {
    return this.#count;
  }

  /** Sequence of the first / last message record laid out in this file (0 when none). */
  get firstEntrySeq(): number {
    return this.#count > 0 ? this.#seqs[0] : 0;
  }
  get lastEntrySeq(): number {
    return this.#count > 0 ? this.#seqs[this.#count - 1] : 0;
  }

  /** Records that message `seq` starts at `offset` (sequences must ascend). */
  addEntry(seq: number, offset: number): void {
    if (this.#count === this.#seqs.length) {
      const seqs = new Float64Array(this.#count * 2);
      const offsets = new Uint32Array(this.#count * 2);
      seqs.set(this.#seqs);
      offsets.set(this.#offsets);
      this.#seqs = seqs;
      this.#offsets = offsets;
    }
    this.#seqs[this.#count] = seq;
    this.#offsets[this.#count] = offset;
    this.#count++;
  }

  /** Forgets every entry (before re-adding them after a rewrite). */
  resetEntries(): void {
    this.#seqs = new Float64Array(64);
    this.#offsets = new Uint32Array(64);
    this.#count = 0;
  }

  /** Byte offset of message `seq` in this file, or -1. */
  offsetOf(seq: number): number {
    const n = this.#count;
    if (n === 0) return -1;
    const s0 = this.#seqs[0];
    if (seq < s0 || seq > this.#seqs[n - 1]) return -1;
    let hi = Math.min(seq - s0, n - 1);
    if (this.#seqs[hi] === seq) return this.#offsets[hi];
    let lo = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.#seqs[mid];
      if (v === seq) return this.#offsets[mid];
      if (v < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Visits every message entry, ascending. */
  forEachEntry(visit: (seq: number, offset: number) => void): void {
    for (let i = 0; i < this.#count; i++) visit(this.#seqs[i], this.#offsets[i]);
  }
}
