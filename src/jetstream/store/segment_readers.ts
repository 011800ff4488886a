/**
 * Read handles for segment files, separate from the writer so reads never queue behind an
 * fsync; at most `maxOpen` are kept (least recently used closed first).
 *
 * A read takes its handle and the record's offset in the same turn, so both describe the same
 * file: a segment being rewritten (`Segment.rewriting`) is waited for, and a handle whose open
 * raced with a rewrite is discarded.
 */

import type { FileHandle, FileSystem } from "../../platform/types.ts";
import type { Segment } from "./segment.ts";

export class SegmentReaders {
  #fs: FileSystem;
  #pathOf: (seg: Segment) => string;
  #maxOpen: number;
  #open = new Map<Segment, FileHandle>();

  constructor(fs: FileSystem, pathOf: (seg: Segment) => string, maxOpen: number) {
    this.#fs = fs;
    this.#pathOf = pathOf;
    this.#maxOpen = maxOpen;
  }

  /** Reads `length` bytes of `seq`'s record from the segment holding it; null when none does. */
  async read(
    seq: number,
    length: number,
    holding: (seq: number) => Segment | null,
  ): Promise<Uint8Array | null> {
    for (let attempt = 0;; attempt++) {
      const seg = holding(seq);
      if (seg === null) return null;
      if (seg.rewriting !== null) {
        await seg.rewriting;
        continue;
      }
      const handle = this.#open.get(seg) ?? await this.#openFor(seg);
      if (handle === null) continue; // the file changed while it was being opened
      const offset = seg.offsetOf(seq);
      if (offset < 0) return null;
      try {
        const buf = new Uint8Array(length);
        const n = await handle.readAt(buf, offset);
        return n === length ? buf : buf.subarray(0, n);
      } catch (err) {
        // Closed under us (evicted, or the segment was dropped): look again, a few times.
        if (attempt >= 3) throw err;
      }
    }
  }

  /** Forgets `seg`'s handle at once and returns it (the caller closes it). */
  take(seg: Segment): FileHandle | null {
    const h = this.#open.get(seg) ?? null;
    this.#open.delete(seg);
    return h;
  }

  async drop(seg: Segment): Promise<void> {
    await this.take(seg)?.close();
  }

  async closeAll(): Promise<void> {
    const handles = [...this.#open.values()];
    this.#open.clear();
    for (const h of handles) await h.close().catch(() => {});
  }

  async #openFor(seg: Segment): Promise<FileHandle | null> {
    const epoch = seg.epoch;
    const h = await this.#fs.open(this.#pathOf(seg), { create: false });
    if (seg.rewriting !== null || seg.epoch !== epoch || this.#open.has(seg)) {
      await h.close();
      return this.#open.get(seg) ?? null;
    }
    this.#open.set(seg, h);
    if (this.#open.size > this.#maxOpen) {
      const [oldest, handle] = this.#open.entries().next().value!;
      this.#open.delete(oldest);
      await handle.close();
    }
    return h;
  }
}
