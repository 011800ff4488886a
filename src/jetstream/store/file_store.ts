/**
 * `FileStore`: a stream store on a `FileSystem` (storage: file). All decisions live in
 * `StoreEngine`; this file opens and recovers the directory, hands changes to the `SegmentLog`
 * (group commit, fsync before anything resolves), reads and verifies message records, and keeps
 * consumer state in the `ConsumerLog`.
 *
 * Directory layout (one directory per stream):
 *   0000000001.seg ...  segment files (record.ts framing), at most `maxSegmentBytes` each
 *   0000000001.idx ...  index sidecars of sealed segments (rebuildable caches)
 *   consumers.log       consumer state changes and snapshots
 *   meta.json           the stream layer's config, replaced atomically (`writeMeta`)
 *
 * Durability: `storeMsg`, removals, purges and consumer updates resolve only after their
 * records are fsynced. With `syncIntervalMs > 0` (nats-server's behaviour, UNSAFE) they resolve
 * after the write and are fsynced on that interval: a power loss can lose acknowledged changes.
 * A message is readable only once durable, so nothing is served that a crash could take back.
 *
 * Damage: a record that fails its checksum on open or on read is dropped alone, reported in
 * `recovery` / `state().lost`, and recorded as deleted; the damaged segment is rewritten.
 */

import type { FileSystem } from "../../platform/types.ts";
import { mkdirDurable, parentDir, readFileIfExists, writeFileAtomic } from "./atomic_file.ts";
import { type EngineOptions, StoreEngine } from "./engine.ts";
import { ConsumerLog, type ConsumerLogReport, type SavedConsumer } from "./consumer_log.ts";
import {
  type ConsumerChangeSink,
  ConsumerStateStore,
  type ConsumerStore,
  type ConsumerStoreConfig,
} from "./consumer_state.ts";
import { normalizeConfig } from "./limits.ts";
import { MessageCache } from "./msg_cache.ts";
import { MessageIndex } from "./msg_index.ts";
import { decodeMsgBody, readVerifiedRecord, RECORD_HEADER_SIZE, RecordKind } from "./record.ts";
import { recoverSegments, type RecoveryReport } from "./recovery.ts";
import { Segment } from "./segment.ts";
import { recordLengthOfSize } from "./segment_batch.ts";
import { SegmentLog } from "./segment_log.ts";
import { msgSizeOfRecord } from "./segment_scan.ts";
import {
  type ConsumerEntry,
  type LostData,
  type StoreConfig,
  type StoredMessage,
  StoreError,
} from "./store.ts";

export const DEFAULT_MAX_SEGMENT_BYTES = 8 << 20;
export const META_FILE = "meta.json";
/** Read-ahead bounds for a cache miss: records and bytes read along with the one asked for. */
const READ_AHEAD_RECORDS = 128;
const READ_AHEAD_BYTES = 256 * 1024;

export interface FileStoreOptions extends EngineOptions {
  /** Segment files roll over past this size (default 8 MiB). */
  maxSegmentBytes?: number;
  /** 0 (default): fsync before resolving. > 0: lazy, UNSAFE: fsync every this many ms. */
  syncIntervalMs?: number;
  /** Check every record on open (default true); false trusts valid index sidecars. */
  verifyOnOpen?: boolean;
  /** Bytes of recent messages kept in memory for reads (default 4 MiB). */
  cacheBytes?: number;
  /** Sealed segments at least this big are rewritten once half dead (default 1/4 segment). */
  compactMinBytes?: number;
  /** Open read handles kept at most (default 64). */
  maxOpenReaders?: number;
}

export class FileStore extends StoreEngine {
  readonly dir: string;
  /** What opening found and fixed. */
  readonly recovery: RecoveryReport;
  readonly consumerRecovery: ConsumerLogReport;
  #fs: FileSystem;
  #log: SegmentLog;
  #consumerLog: ConsumerLog;
  #consumers = new Map<string, ConsumerStateStore>();
  #restored: Map<string, SavedConsumer>;
  #cache: MessageCache;
  #lost: number[];
  #lostBytes: number;

  private constructor(
    fs: FileSystem,
    dir: string,
    index: MessageIndex,
    config: StoreConfig,
    opts: FileStoreOptions,
    build: (store: FileStore) => SegmentLog,
    consumers: {
      log: ConsumerLog;
      restored: Map<string, SavedConsumer>;
      report: ConsumerLogReport;
    },
    recovery: RecoveryReport,
  ) {
    super(index, config, opts);
    this.#fs = fs;
    this.dir = dir;
    this.#cache = new MessageCache(opts.cacheBytes ?? 4 << 20);
    this.#consumerLog = consumers.log;
    this.#restored = consumers.restored;
    this.consumerRecovery = consumers.report;
    this.recovery = recovery;
    this.#lost = [...(recovery.lost?.msgs ?? [])];
    this.#lostBytes = recovery.lost?.bytes ?? 0;
    this.#log = build(this);
    this.#log.onCorrupt = (seq) => this.#lose(seq, recordLengthOfSize(index.sizeOf(seq)));
  }

  /** Opens (creating when missing) the store in `dir`, recovering whatever is there. */
  static async open(
    fs: FileSystem,
    dir: string,
    config: Partial<StoreConfig> = {},
    opts: FileStoreOptions = {},
  ): Promise<FileStore> {
    const started = performance.now();
    await mkdirDurable(fs, dir);
    const rec = await recoverSegments(fs, dir, opts.verifyOnOpen ?? true);
    const c = normalizeConfig(config);
    const isNew = rec.scans.length === 0;
    const floor = isNew ? c.firstSeq : rec.floor;
    const index = new MessageIndex(floor - 1);
    const ttls: [number, number, number][] = [];
    const segments: Segment[] = [];
    let seenMax = floor - 1;
    for (const scan of rec.scans) {
      const seg = new Segment(scan.id, scan.baseSeq ?? seenMax, scan.epoch);
      seg.size = scan.tornAt >= 0 ? scan.tornAt : scan.fileSize;
      seg.sealed = true;
      seg.holds = scan.deletes.filter((seq) => seq >= floor);
      for (const m of scan.msgs) {
        if (m.seq < floor || m.seq <= seg.lastEntrySeq) continue;
        // Dead records get an entry too: the file still holds them, so deletion facts about
        // them must be carried forward if the file holding those facts is dropped.
        seg.addEntry(m.seq, m.offset);
        if (m.seq <= index.lastSeq || rec.deleted.has(m.seq)) continue;
        index.append(m.seq, m.subject, m.ts, msgSizeOfRecord(m.length));
        seg.live++;
        seg.liveBytes += m.length;
        if (m.ttl !== 0) ttls.push([m.seq, m.ttl, m.ts]);
      }
      seenMax = Math.max(seenMax, scan.markLastSeq, seg.lastEntrySeq);
      segments.push(seg);
    }
    if (rec.lastSeq >= index.lastSeq) {
      index.advanceLast(rec.lastSeq, rec.lastSeq === index.lastSeq ? index.lastTs : rec.lastTs);
    }

    const damaged = new Set(rec.damagedSegments);
    let active: Segment | null = segments[segments.length - 1] ?? null;
    if (active !== null && damaged.has(active.id)) active = null;
    if (active !== null) {
      active.sealed = false;
      active.writer = await fs.open(`${dir}/${active.fileName}`, { create: false });
      const torn = rec.scans[rec.scans.length - 1].tornAt;
      if (torn >= 0) {
        await active.writer.truncate(torn);
        await active.writer.sync();
      }
    }
    const consumers = await ConsumerLog.open(fs, dir);
    const lostData = rec.lost.length > 0 ? { msgs: rec.lost, bytes: rec.lostBytes } : null;
    const report: RecoveryReport = {
      ...rec.report,
      durationMs: 0,
      msgs: index.msgs,
      lost: lostData,
    };
    const logOpts = {
      maxSegmentBytes: opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES,
      syncIntervalMs: opts.syncIntervalMs ?? 0,
      compactMinBytes: opts.compactMinBytes ??
        Math.floor((opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES) / 4),
      maxOpenReaders: opts.maxOpenReaders ?? 64,
    };
    const store = new FileStore(
      fs,
      dir,
      index,
      c,
      opts,
      () => new SegmentLog(fs, dir, index, logOpts, segments, active),
      consumers,
      report,
    );
    const log = store.#log;
    if (isNew || active === null) log.touch();
    log.recordDeleted(rec.lost);
    log.rewriteDamaged(segments.filter((s) => damaged.has(s.id)));
    log.requestSidecars(segments.filter((s) => rec.staleSidecars.includes(s.id)));
    log.requestMaintenance();
    for (const [seq, ttl, ts] of ttls) store.restoreTtl(seq, ttl, ts);
    await log.durable();
    store.startExpiry();
    report.durationMs = performance.now() - started;
    return store;
  }

  /** The stream layer's saved config (`writeMeta`), or null. */
  static readMeta(fs: FileSystem, dir: string): Promise<Uint8Array | null> {
    return readFileIfExists(fs, `${dir}/${META_FILE}`);
  }

  /** Atomically replaces the saved stream config. */
  writeMeta(data: Uint8Array): Promise<void> {
    return writeFileAtomic(this.#fs, this.dir, META_FILE, data);
  }

  /** Segment files currently in use (for tests and stream info). */
  get segmentCount(): number {
    return this.#log.segments.length;
  }

  /** Resolves once queued maintenance (drops, compactions, sidecars) has run. */
  async settle(): Promise<void> {
    await this.#log.durable();
    await this.#log.idle();
  }

  protected persistMsg(
    seq: number,
    subject: string,
    subjectLength: number,
    headers: Uint8Array | null,
    payload: Uint8Array,
    ts: number,
    ttl: number,
  ): void {
    const { buf, start } = this.#log.appendMsg(
      seq,
      subject,
      subjectLength,
      headers,
      payload,
      ts,
      ttl,
    );
    const hs = start + RECORD_HEADER_SIZE + subjectLength;
    const hl = headers?.length ?? 0;
    this.#cache.put({
      subject,
      seq,
      ts,
      headers: headers === null ? null : buf.subarray(hs, hs + hl),
      payload: buf.subarray(hs + hl, hs + hl + payload.length),
      ttl,
    });
  }

  protected persistRemoval(seq: number, size: number, erase: boolean): void {
    this.#cache.delete(seq);
    this.#log.recordRemoval(seq, size, erase);
  }

  protected persistClear(): void {
    this.#cache.clear();
    this.#log.recordClear();
  }

  protected durable(): Promise<void> {
    return this.#log.durable();
  }

  protected peekMsg(seq: number): StoredMessage | null | undefined {
    if (seq > this.#log.durableSeq) return undefined;
    if (!this.index.has(seq)) return null;
    return this.#cache.get(seq);
  }

  protected async readMsg(seq: number): Promise<StoredMessage | null> {
    if (seq > this.#log.durableSeq) await this.#log.durable();
    if (!this.index.has(seq)) return null;
    const cached = this.#cache.get(seq);
    if (cached !== undefined) return cached;
    const length = recordLengthOfSize(this.index.sizeOf(seq));
    // A consumer reading a backlog asks for seq, seq+1, ...: read the records that follow in
    // the same segment along with this one, in one positional read, and cache them.
    const ahead = this.#readAheadSpan(seq, length);
    const bytes = await this.#log.readRecord(seq, ahead.bytes);
    if (bytes === null || !this.index.has(seq)) return null;
    const h = readVerifiedRecord(bytes, 0);
    if (h === null || h.kind !== RecordKind.Msg || h.seq !== seq || h.length !== length) {
      this.#lose(seq, length);
      return null;
    }
    const body = decodeMsgBody(bytes, 0, h);
    // With read-ahead the bodies are copied out, so no cached message pins the whole span.
    const m = ahead.records.length === 0
      ? { ...body, seq, ts: h.ts, ttl: h.ttl }
      : { ...copied(body), seq, ts: h.ts, ttl: h.ttl };
    this.#cache.put(m);
    for (const [next, at, len] of ahead.records) this.#cacheReadAhead(bytes, next, at, len);
    return m;
  }

  /**
   * The records after `seq` in its segment that are present and not cached, up to a bound:
   * their positions relative to `seq`'s record and the total span to read.
   */
  #readAheadSpan(
    seq: number,
    length: number,
  ): { bytes: number; records: [number, number, number][] } {
    const records: [number, number, number][] = [];
    const seg = this.#log.segmentHolding(seq);
    const base = seg?.offsetOf(seq) ?? -1;
    let span = length;
    if (seg === null || base < 0) return { bytes: span, records };
    for (let next = seq + 1; records.length < READ_AHEAD_RECORDS; next++) {
      if (!this.index.has(next) || this.#cache.get(next) !== undefined) break;
      const at = seg.offsetOf(next);
      if (at < 0) break; // the next message lives in another segment
      const len = recordLengthOfSize(this.index.sizeOf(next));
      const end = at - base + len;
      if (end > READ_AHEAD_BYTES) break;
      records.push([next, at - base, len]);
      span = Math.max(span, end);
    }
    return { bytes: span, records };
  }

  /** Caches a read-ahead record if it verifies; one that does not is simply not cached. */
  #cacheReadAhead(bytes: Uint8Array, seq: number, at: number, length: number): void {
    if (at + length > bytes.length || !this.index.has(seq)) return;
    const h = readVerifiedRecord(bytes, at);
    if (h === null || h.kind !== RecordKind.Msg || h.seq !== seq || h.length !== length) return;
    this.#cache.put({ ...copied(decodeMsgBody(bytes, at, h)), seq, ts: h.ts, ttl: h.ttl });
  }

  #lose(seq: number, bytes: number): void {
    if (!this.removeLost(seq)) return;
    this.#lost.push(seq);
    this.#lostBytes += bytes;
  }

  protected openConsumerStore(name: string, config: ConsumerStoreConfig): Promise<ConsumerStore> {
    let c = this.#consumers.get(name);
    if (c !== undefined) {
      c.updateConfig(config);
      return Promise.resolve(c);
    }
    const sink: ConsumerChangeSink = {
      persist: (n, change) => this.#consumerLog.persist(n, change),
      forget: (n) => {
        this.#consumerLog.forget(n);
        this.#consumers.delete(n);
        this.#restored.delete(n);
      },
    };
    const consumer = new ConsumerStateStore(name, config, sink, this.#restored.get(name));
    c = consumer;
    this.#consumers.set(name, consumer);
    this.#consumerLog.register(name, () => ({ state: consumer.state(), meta: consumer.meta() }));
    return Promise.resolve(consumer);
  }

  consumers(): ConsumerEntry[] {
    const out = new Map<string, ConsumerEntry>();
    for (const [name, saved] of this.#restored) out.set(name, { name, meta: saved.meta });
    for (const c of this.#consumers.values()) out.set(c.name, { name: c.name, meta: c.meta() });
    return [...out.values()];
  }

  protected lostData(): LostData | null {
    if (this.#lost.length === 0 && this.#lostBytes === 0) return null;
    return { msgs: [...this.#lost], bytes: this.#lostBytes };
  }

  protected assertUsable(): void {
    const failure = this.#log.failure;
    if (failure !== null) throw new StoreError("io", { cause: failure });
  }

  protected async closeBackend(): Promise<void> {
    try {
      await this.#log.close();
    } finally {
      await this.#consumerLog.close();
    }
  }

  protected async deleteBackend(): Promise<void> {
    await this.#fs.remove(this.dir, { recursive: true });
    await this.#fs.syncDir(parentDir(this.dir));
  }
}

function copied<T extends { headers: Uint8Array | null; payload: Uint8Array }>(body: T): T {
  return { ...body, headers: body.headers?.slice() ?? null, payload: body.payload.slice() };
}
