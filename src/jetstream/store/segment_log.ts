/**
 * The FileStore's write side: the segment files of one stream directory, the open batch of
 * records, and the commit that makes a batch durable with one write and one fsync per touched
 * file (plus a directory sync when a segment file was created).
 *
 * Invariants the recovery relies on:
 * - records are appended in sequence order; a segment starts with a Mark naming the last
 *   sequence before it and the floor (every sequence below the floor is gone);
 * - a removal is durable before it resolves: front removals advance the floor (one Mark per
 *   batch), other removals append their sequence to a Delete record in the active segment;
 * - a segment is dropped only once no live message is in it, after its deletion facts that still
 *   matter (targets in surviving segments) are re-recorded in the active segment and synced;
 *   segments with messages above the floor are removed one at a time, each removal synced, so a
 *   crash never resurrects a message whose deletion fact went away first;
 * - a compaction writes the live records plus the segment's own deletion facts to a temp file,
 *   syncs, renames it over the segment, syncs the directory.
 */

import type { FileHandle, FileSystem } from "../../platform/types.ts";
import { GroupCommit } from "./group_commit.ts";
import type { MessageIndex } from "./msg_index.ts";
import {
  appendMsgRecord,
  type Batch,
  type CommitPlan,
  eraseInBatch,
  layoutBatch,
  type LayoutTarget,
  newBatch,
  type Patch,
  randomEpoch,
  recordLengthOfSize,
} from "./segment_batch.ts";
import { Segment } from "./segment.ts";
import { SegmentReaders } from "./segment_readers.ts";
import { compactSegment, writeSidecarFor } from "./segment_maintenance.ts";

export interface SegmentLogOptions {
  maxSegmentBytes: number;
  /** 0: fsync before a change resolves. > 0: resolve after the write, fsync on this interval. */
  syncIntervalMs: number;
  /** Sealed segments at least this big are rewritten once more than half their bytes are dead. */
  compactMinBytes: number;
  maxOpenReaders: number;
}

export class SegmentLog {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly index: MessageIndex;
  readonly opts: SegmentLogOptions;
  /** Called for a message found corrupt while rewriting its segment. */
  onCorrupt: (seq: number) => void = () => {};
  #segments: Segment[];
  /** What batch layout works on; `#layout.active` is the segment being appended to. */
  #layout: LayoutTarget;
  #nextId: number;
  #gc: GroupCommit<Batch>;
  #durableSeq: number;
  #maintenanceQueued = false;
  #needsSidecar = new Set<Segment>();
  #forceCompact = new Set<Segment>();
  #unsynced = new Set<Segment>();
  #dirUnsynced = false;
  #syncTimer: ReturnType<typeof setInterval> | undefined;
  #readers: SegmentReaders;

  constructor(
    fs: FileSystem,
    dir: string,
    index: MessageIndex,
    opts: SegmentLogOptions,
    segments: Segment[],
    active: Segment | null,
  ) {
    this.fs = fs;
    this.dir = dir;
    this.index = index;
    this.opts = opts;
    this.#segments = segments;
    this.#layout = {
      index,
      maxSegmentBytes: opts.maxSegmentBytes,
      active,
      newSegment: (baseSeq) => {
        const seg = new Segment(this.#nextId++, baseSeq, randomEpoch());
        this.#segments.push(seg);
        return seg;
      },
      segmentHolding: (seq) => this.segmentHolding(seq),
    };
    this.#nextId = segments.reduce((m, s) => Math.max(m, s.id), 0) + 1;
    this.#durableSeq = index.lastSeq;
    this.#gc = new GroupCommit(newBatch, (b) => this.#commit(b));
    this.#readers = new SegmentReaders(fs, (seg) => this.path(seg), opts.maxOpenReaders);
    if (opts.syncIntervalMs > 0) {
      this.#syncTimer = setInterval(() => {
        if (this.#unsynced.size > 0 || this.#dirUnsynced) {
          this.#gc.task(() => this.#syncLazy()).catch(() => {});
        }
      }, opts.syncIntervalMs);
    }
  }

  get failure(): unknown {
    return this.#gc.failure;
  }
  get segments(): readonly Segment[] {
    return this.#segments;
  }
  /** Every message up to this sequence has been written (and synced, unless lazy). */
  get durableSeq(): number {
    return this.#durableSeq;
  }

  path(segment: Segment, ext: "seg" | "idx" = "seg"): string {
    return `${this.dir}/${ext === "seg" ? segment.fileName : segment.sidecarName}`;
  }

  durable(): Promise<void> {
    return this.#gc.durable();
  }

  // ---- changes (synchronous: they join the open batch) ----

  appendMsg(
    seq: number,
    subject: string,
    subjectLength: number,
    headers: Uint8Array | null,
    payload: Uint8Array,
    ts: number,
    ttl: number,
  ): { buf: Uint8Array; start: number } {
    return appendMsgRecord(
      this.#gc.batch(),
      seq,
      subject,
      subjectLength,
      headers,
      payload,
      ts,
      ttl,
    );
  }

  recordRemoval(seq: number, size: number, erase: boolean): void {
    const length = recordLengthOfSize(size);
    const seg = this.segmentHolding(seq);
    if (seg !== null) {
      seg.live--;
      seg.liveBytes -= length;
      if (seg !== this.#layout.active && (seg.live === 0 || this.#worthCompacting(seg))) {
        this.#scheduleMaintenance();
      }
    }
    const b = this.#gc.batch();
    if (seq < this.index.firstSeq) b.floorDirty = true;
    else b.tombstones.push(seq);
    if (erase) {
      if (seg !== null) b.erasures.push({ seq, length });
      else eraseInBatch(b, seq, length);
    }
  }

  recordClear(): void {
    const b = this.#gc.batch();
    b.clear = true;
    b.floorDirty = true;
    for (const s of this.#segments) s.live = s.liveBytes = 0;
    this.#scheduleMaintenance();
  }

  /** Records deletion facts directly (lost messages after recovery). */
  recordDeleted(seqs: number[]): void {
    if (seqs.length === 0) return;
    const b = this.#gc.batch();
    for (const seq of seqs) b.tombstones.push(seq);
  }

  /** Marks damaged segments for a rewrite; a damaged active segment is sealed first. */
  rewriteDamaged(segments: Segment[]): void {
    for (const s of segments) {
      if (s === this.#layout.active) this.#layout.active = null;
      s.sealed = true;
      this.#forceCompact.add(s);
    }
    this.#gc.batch().floorDirty = true;
    this.#scheduleMaintenance();
  }

  /** Runs drops and compactions that are due (after open). */
  requestMaintenance(): void {
    this.#scheduleMaintenance();
  }

  /** Resolves when the writer has nothing left to do. */
  idle(): Promise<void> {
    return this.#gc.idle();
  }

  requestSidecars(segments: Segment[]): void {
    for (const s of segments) this.#needsSidecar.add(s);
    if (segments.length > 0) this.#scheduleMaintenance();
  }

  /** Makes sure the next commit happens even with no other change (writes a Mark). */
  touch(): void {
    this.#gc.batch().floorDirty = true;
  }

  // ---- reads ----

  /** The segment whose file holds message `seq`'s record, or null. */
  segmentHolding(seq: number): Segment | null {
    const segs = this.#segments;
    let lo = 0;
    let hi = segs.length - 1;
    // Last segment whose base is below seq (bases ascend with ids).
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (segs[mid].baseSeq < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    for (let i = hi; i >= 0; i--) {
      if (segs[i].offsetOf(seq) >= 0) return segs[i];
      if (segs[i].entryCount > 0 && segs[i].firstEntrySeq < seq) break;
    }
    return null;
  }

  /** Reads `length` bytes of message `seq`'s record; null when it is no longer in a file. */
  readRecord(seq: number, length: number): Promise<Uint8Array | null> {
    return this.#readers.read(seq, length, (q) => this.segmentHolding(q));
  }

  /** Forgets the reader of a segment whose file is being replaced; the caller closes it. */
  takeReader(seg: Segment): FileHandle | null {
    return this.#readers.take(seg);
  }

  // ---- lifecycle ----

  async close(): Promise<void> {
    if (this.#syncTimer !== undefined) clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
    try {
      await this.#gc.durable();
      await this.#gc.idle();
      if (this.#unsynced.size > 0 || this.#dirUnsynced) await this.#syncLazy();
    } finally {
      await this.#readers.closeAll();
      for (const s of this.#segments) {
        await s.writer?.close().catch(() => {});
        s.writer = null;
      }
    }
  }

  // ---- commit ----

  async #commit(b: Batch): Promise<void> {
    const plan = layoutBatch(b, this.#layout);
    await this.#execute(plan);
    for (const s of plan.sealed) {
      if (!this.#unsynced.has(s)) {
        await s.writer?.close();
        s.writer = null;
      }
      this.#needsSidecar.add(s);
    }
    if (plan.sealed.length > 0 || b.clear) this.#scheduleMaintenance();
  }

  async #execute({ writes, created, patches, maxSeq }: CommitPlan): Promise<void> {
    // Execute: writes, then one sync per touched file, then the directory if files appeared.
    // A segment file is created only once everything before it is durable, so a crash can never
    // leave an older segment torn behind a newer one (only the last segment can have a torn tail).
    const lazy = this.opts.syncIntervalMs > 0;
    const touched = new Set<Segment>();
    const synced = new Set<Segment>();
    for (const w of writes.values()) {
      if (created.includes(w.segment)) {
        for (const s of touched) {
          if (!lazy && !synced.has(s)) await s.writer!.sync();
          synced.add(s);
        }
        w.segment.writer = await this.fs.open(this.path(w.segment), { create: true });
      }
      let offset = w.offset;
      for (const chunk of w.chunks) {
        await w.segment.writer!.writeAt(chunk, offset);
        offset += chunk.length;
      }
      touched.add(w.segment);
    }
    if (lazy) {
      for (const s of touched) this.#unsynced.add(s);
      if (created.length > 0) this.#dirUnsynced = true;
    } else {
      await Promise.all([...touched].filter((s) => !synced.has(s)).map((s) => s.writer!.sync()));
      if (created.length > 0) await this.fs.syncDir(this.dir);
    }
    // Erasures overwrite records in place only after the deletion facts above are durable, so
    // a torn overwrite can only damage a message that is already recorded as deleted. They are
    // synced even in lazy mode: an erase exists to make data unrecoverable.
    if (patches.length > 0) await this.#applyPatches(patches);
    if (maxSeq > this.#durableSeq) this.#durableSeq = maxSeq;
  }

  async #applyPatches(patches: Patch[]): Promise<void> {
    const handles = new Map<Segment, { handle: FileHandle; own: boolean }>();
    for (const p of patches) {
      let h = handles.get(p.seg);
      if (h === undefined) {
        h = p.seg.writer !== null
          ? { handle: p.seg.writer, own: false }
          : { handle: await this.fs.open(this.path(p.seg), { create: false }), own: true };
        handles.set(p.seg, h);
      }
      await h.handle.writeAt(p.bytes, p.offset);
    }
    await Promise.all([...handles.values()].map((h) => h.handle.sync()));
    for (const h of handles.values()) if (h.own) await h.handle.close();
  }

  async #syncLazy(): Promise<void> {
    const segs = [...this.#unsynced];
    this.#unsynced.clear();
    const dir = this.#dirUnsynced;
    this.#dirUnsynced = false;
    await Promise.all(segs.map((s) => s.writer?.sync()));
    if (dir) await this.fs.syncDir(this.dir);
    for (const s of segs) {
      if (s.sealed && s.writer !== null) {
        await s.writer.close();
        s.writer = null;
      }
    }
  }

  // ---- maintenance: drops, compactions, sidecars (on the writer, between batches) ----

  #worthCompacting(seg: Segment): boolean {
    return seg.sealed && seg.size >= this.opts.compactMinBytes && seg.liveBytes * 2 < seg.size;
  }

  #scheduleMaintenance(): void {
    if (this.#maintenanceQueued) return;
    this.#maintenanceQueued = true;
    // A rewrite or drop that fails half way leaves memory and files out of step: stop the store
    // (callers get StoreError "io"; reopening recovers from the files).
    this.#gc.task(() => this.#maintain()).catch((err) => this.#gc.poison(err));
  }

  async #maintain(): Promise<void> {
    this.#maintenanceQueued = false;
    if (this.opts.syncIntervalMs > 0) await this.#syncLazy();
    const drops = this.#segments.filter((s) => s !== this.#layout.active && s.live === 0);
    if (drops.length > 0) await this.#drop(drops);
    for (const seg of [...this.#segments]) {
      if (seg === this.#layout.active || !this.#segments.includes(seg)) continue;
      if (this.#forceCompact.has(seg) || this.#worthCompacting(seg)) {
        this.#forceCompact.delete(seg);
        await compactSegment(this, seg, this.#nextBase(seg));
        this.#needsSidecar.add(seg);
      }
    }
    for (const seg of [...this.#needsSidecar]) {
      this.#needsSidecar.delete(seg);
      if (seg.sealed && this.#segments.includes(seg) && !this.#forceCompact.has(seg)) {
        await writeSidecarFor(this, seg);
      }
    }
  }

  /** Exclusive end of the sequences segment `seg` can hold: the next segment's base + 1. */
  #nextBase(seg: Segment): number {
    const i = this.#segments.indexOf(seg);
    const next = this.#segments[i + 1];
    return next === undefined ? this.index.lastSeq + 1 : next.baseSeq + 1;
  }

  async #drop(drops: Segment[]): Promise<void> {
    const floor = this.index.firstSeq;
    const dropping = new Set(drops);
    const carry: number[] = [];
    for (const seg of drops) {
      for (const seq of seg.holds) {
        if (seq < floor) continue;
        const target = this.segmentHolding(seq);
        if (target !== null && !dropping.has(target)) carry.push(seq);
      }
    }
    const b = this.#gc.batch();
    b.floorDirty = true;
    for (const seq of carry) b.tombstones.push(seq);
    await this.#gc.commitOpenBatch();
    if (this.opts.syncIntervalMs > 0) await this.#syncLazy();
    this.#segments = this.#segments.filter((s) => !dropping.has(s));
    const below = drops.filter((s) => s.lastEntrySeq < floor);
    const above = drops.filter((s) => s.lastEntrySeq >= floor).sort((x, y) => x.id - y.id);
    for (const seg of below) await this.#removeFiles(seg);
    if (below.length > 0) await this.fs.syncDir(this.dir);
    for (const seg of above) {
      await this.#removeFiles(seg);
      await this.fs.syncDir(this.dir);
    }
  }

  async #removeFiles(seg: Segment): Promise<void> {
    await this.#readers.drop(seg);
    await seg.writer?.close();
    seg.writer = null;
    this.#needsSidecar.delete(seg);
    this.#forceCompact.delete(seg);
    await this.fs.remove(this.path(seg));
    if (await this.fs.stat(this.path(seg, "idx")) !== null) {
      await this.fs.remove(this.path(seg, "idx"));
    }
  }
}
