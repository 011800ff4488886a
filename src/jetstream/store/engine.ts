/**
 * `StoreEngine`: everything a stream store decides (sequence assignment, limits, discard
 * policies, expiry, purge and compact planning, filtered queries), written once over the
 * in-memory `MessageIndex`. `MemStore` and `FileStore` extend it and only say how bytes are kept:
 * the `persist*` hooks enqueue durable work, `durable()` resolves once everything enqueued so far
 * is durable, `readMsg()` fetches a body. So both stores behave identically by construction.
 *
 * Mutations update the index synchronously (in call order) and then wait for `durable()`; a
 * refusal (discard new, size) is a rejected promise with a `StoreError`.
 */

import { MessageIndex } from "./msg_index.ts";
import { admissionError, nextOverLimit, normalizeConfig, overSubjectLimit } from "./limits.ts";
import {
  countMatching,
  lastMatchingSeq,
  lastSeqsPerSubject,
  matchingSeqs,
  nextMatchingSeq,
  subjectCounts,
} from "./filter_query.ts";
import { isAllFilter } from "./subject_index.ts";
import { utf8Length } from "./record.ts";
import { Expiry } from "./expiry.ts";
import type { ConsumerStore, ConsumerStoreConfig } from "./consumer_state.ts";
import {
  type ConsumerEntry,
  type LostData,
  MSG_SIZE_OVERHEAD,
  type PurgeOptions,
  type RemovalListener,
  type RemovalReason,
  type StoreConfig,
  type StoredMessage,
  StoreError,
  type StoreMsgOptions,
  type StoreResult,
  type StreamState,
  type StreamStore,
  wallClockNs,
} from "./store.ts";

const MAX_SUBJECT_BYTES = 0xffff;

export interface EngineOptions {
  /** Clock in ns (tests pass a fake one). */
  now?: () => number;
  /** Run expiry on a timer (default true); when false, call `expireNow()`. */
  expiryTimer?: boolean;
}

export abstract class StoreEngine implements StreamStore {
  protected readonly index: MessageIndex;
  #config: StoreConfig;
  #now: () => number;
  #expiry: Expiry;
  #listener: RemovalListener | null = null;
  #closed = false;

  protected constructor(index: MessageIndex, config: StoreConfig, opts: EngineOptions) {
    this.index = index;
    this.#config = config;
    this.#now = opts.now ?? wallClockNs;
    const onTimer = () => {
      if (this.#closed) return;
      this.expireNow().catch(() => {
        // The store reports I/O failure to its callers; the timer has nobody to tell.
      });
    };
    this.#expiry = new Expiry(index, this.#now, opts.expiryTimer === false ? null : onTimer);
  }

  // ---- what a concrete store provides ----

  /** Enqueues a new message for durable storage (the index already holds it). */
  protected abstract persistMsg(
    seq: number,
    subject: string,
    subjectLength: number,
    headers: Uint8Array | null,
    payload: Uint8Array,
    ts: number,
    ttl: number,
  ): void;
  /** Enqueues a removal (the index no longer holds `seq`; `size` was its accounted size). */
  protected abstract persistRemoval(seq: number, size: number, erase: boolean): void;
  /** Enqueues the removal of every message at once (purge): the index was just cleared. */
  protected abstract persistClear(): void;
  /** Resolves once everything enqueued so far is durable; rejects if that failed. */
  protected abstract durable(): Promise<void>;
  protected abstract readMsg(seq: number): Promise<StoredMessage | null>;
  /** `readMsg` without waiting: undefined when the body is not at hand (not durable, not cached). */
  protected abstract peekMsg(seq: number): StoredMessage | null | undefined;
  protected abstract openConsumerStore(
    name: string,
    config: ConsumerStoreConfig,
  ): Promise<ConsumerStore>;
  abstract consumers(): ConsumerEntry[];
  protected abstract lostData(): LostData | null;
  /** Throws when the store cannot accept work (e.g. after an I/O failure). */
  protected abstract assertUsable(): void;
  protected abstract closeBackend(): Promise<void>;
  protected abstract deleteBackend(): Promise<void>;

  // ---- StreamStore ----

  get config(): Readonly<StoreConfig> {
    return this.#config;
  }

  protected get closed(): boolean {
    return this.#closed;
  }

  protected now(): number {
    return this.#now();
  }

  onRemoval(listener: RemovalListener | null): void {
    this.#listener = listener;
  }

  storeMsg(
    subject: string,
    headers: Uint8Array | null,
    payload: Uint8Array,
    opts: StoreMsgOptions = {},
  ): Promise<StoreResult> {
    try {
      this.#assertOpen();
      const subjectLength = utf8Length(subject);
      if (subjectLength === 0 || subjectLength > MAX_SUBJECT_BYTES) {
        throw new StoreError("invalid_subject");
      }
      const ttl = opts.ttl ?? 0;
      if (!Number.isSafeInteger(ttl) || ttl < -1) throw new RangeError("ttl must be -1, 0 or > 0");
      const bodyLength = (headers?.length ?? 0) + payload.length;
      const size = subjectLength + bodyLength + MSG_SIZE_OVERHEAD;
      const refusal = admissionError(this.#config, this.index, subject, size, bodyLength);
      if (refusal !== null) throw new StoreError(refusal);
      const seq = this.index.lastSeq + 1;
      const ts = opts.ts ?? this.#now();
      this.index.append(seq, subject, ts, size);
      this.persistMsg(seq, subject, subjectLength, headers, payload, ts, ttl);
      this.#expiry.track(seq, ttl, ts);
      for (const old of overSubjectLimit(this.#config, this.index, subject)) {
        this.#drop(old, false, "max_msgs_per_subject");
      }
      this.#enforceFrontLimits();
      const deadline = ttl > 0
        ? ts + ttl
        : ttl === 0 && this.#config.maxAge > 0
        ? ts + this.#config.maxAge
        : Infinity;
      this.#expiry.arm(this.#config.maxAge, deadline);
      return this.durable().then(() => ({ seq, ts }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async loadMsg(seq: number): Promise<StoredMessage | null> {
    this.#assertOpen();
    if (!this.index.has(seq)) return null;
    return await this.readMsg(seq);
  }

  async loadLastMsg(filter: string): Promise<StoredMessage | null> {
    this.#assertOpen();
    // A message can vanish while its body is read; look again (bounded by the message count).
    for (let tries = this.index.msgs; tries >= 0; tries--) {
      const seq = lastMatchingSeq(this.index, filter);
      if (seq === 0) return null;
      const m = await this.readMsg(seq);
      if (m !== null) return m;
    }
    return null;
  }

  async loadNextMsg(filter: string, fromSeq: number): Promise<StoredMessage | null> {
    this.#assertOpen();
    for (let from = fromSeq;;) {
      const seq = nextMatchingSeq(this.index, filter, from);
      if (seq === 0) return null;
      const m = await this.readMsg(seq);
      if (m !== null) return m;
      from = seq + 1;
    }
  }

  peekNextMsg(filter: string, fromSeq: number): StoredMessage | null | undefined {
    this.#assertOpen();
    for (let from = fromSeq;;) {
      const seq = nextMatchingSeq(this.index, filter, from);
      if (seq === 0) return null;
      const m = this.peekMsg(seq);
      if (m !== null) return m;
      from = seq + 1;
    }
  }

  removeMsg(seq: number): Promise<boolean> {
    return this.#removeOne(seq, false);
  }

  eraseMsg(seq: number): Promise<boolean> {
    return this.#removeOne(seq, true);
  }

  purge(opts: PurgeOptions = {}): Promise<number> {
    try {
      this.#assertOpen();
      const filter = opts.filter ?? "";
      const seq = opts.seq ?? 0;
      const keep = opts.keep ?? 0;
      if (seq > 0 && keep > 0) throw new TypeError("purge takes a sequence or keep, not both");
      let removed: number;
      if (isAllFilter(filter)) {
        if (seq > 0) removed = this.#removeBelow(seq);
        else if (keep > 0) removed = this.#keepNewest(keep);
        else removed = this.#removeBelow(this.index.lastSeq + 1);
      } else {
        let seqs = matchingSeqs(this.index, filter, keep > 0 ? 0 : seq);
        if (keep > 0) seqs = seqs.slice(0, Math.max(0, seqs.length - keep));
        for (const s of seqs) this.#drop(s, false, null);
        removed = seqs.length;
      }
      return this.durable().then(() => removed);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  compact(seq: number): Promise<number> {
    try {
      this.#assertOpen();
      const removed = this.#removeBelow(seq);
      return this.durable().then(() => removed);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  state(opts: { deleted?: boolean } = {}): StreamState {
    const ix = this.index;
    const s: StreamState = {
      msgs: ix.msgs,
      bytes: ix.bytes,
      firstSeq: ix.firstSeq,
      firstTs: ix.firstTs,
      lastSeq: ix.lastSeq,
      lastTs: ix.lastTs,
      numSubjects: ix.subjects.size,
      numDeleted: ix.numDeleted,
      lost: this.lostData(),
    };
    if (opts.deleted) s.deleted = ix.deletedSeqs();
    return s;
  }

  subjectsState(filter: string): Map<string, number> {
    return subjectCounts(this.index, filter);
  }

  numPending(filter: string, fromSeq: number, lastPerSubject = false): number {
    return countMatching(this.index, filter, fromSeq, lastPerSubject);
  }

  lastSeqsPerSubject(filter: string): number[] {
    return lastSeqsPerSubject(this.index, filter);
  }

  seqFromTime(ts: number): number {
    return this.index.seqFromTime(ts);
  }

  updateConfig(config: Partial<StoreConfig>): Promise<void> {
    try {
      this.#assertOpen();
      this.#config = normalizeConfig({ ...config, firstSeq: this.#config.firstSeq }, this.#config);
      if (this.#config.maxMsgsPerSubject > 0) {
        const over = [...this.index.subjects.values()]
          .filter((s) => s.msgs > this.#config.maxMsgsPerSubject).map((s) => s.subject);
        for (const subject of over) {
          for (const old of overSubjectLimit(this.#config, this.index, subject)) {
            this.#drop(old, false, "max_msgs_per_subject");
          }
        }
      }
      this.#enforceFrontLimits();
      this.#expire(this.#now());
      this.#expiry.arm(this.#config.maxAge, -Infinity, true);
      return this.durable();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  expireNow(): Promise<number> {
    try {
      this.#assertOpen();
      const n = this.#expire(this.#now());
      this.#expiry.arm(this.#config.maxAge, -Infinity, true);
      return this.durable().then(() => n);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  consumerStore(name: string, config: ConsumerStoreConfig): Promise<ConsumerStore> {
    try {
      this.#assertOpen();
      return this.openConsumerStore(name, config);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#expiry.stop();
    await this.closeBackend();
  }

  async delete(): Promise<void> {
    await this.close();
    await this.deleteBackend();
  }

  // ---- for concrete stores ----

  /** Registers a recovered message's TTL (FileStore open). */
  protected restoreTtl(seq: number, ttl: number, ts: number): void {
    this.#expiry.track(seq, ttl, ts);
  }

  /** Removes a message found damaged on disk (recorded durably as deleted). */
  protected removeLost(seq: number): boolean {
    return this.#drop(seq, false, null);
  }

  /** Starts expiry after a recovery: removes what expired while closed, arms the timer. */
  protected startExpiry(): void {
    this.#expire(this.#now());
    this.#expiry.arm(this.#config.maxAge, -Infinity, true);
  }

  // ---- internals ----

  #assertOpen(): void {
    if (this.#closed) throw new StoreError("closed");
    this.assertUsable();
  }

  async #removeOne(seq: number, erase: boolean): Promise<boolean> {
    this.#assertOpen();
    if (!this.#drop(seq, erase, null)) return false;
    await this.durable();
    return true;
  }

  /** Removes one message from the index and enqueues its removal. */
  #drop(seq: number, erase: boolean, reason: RemovalReason | null): boolean {
    const removed = this.index.remove(seq);
    if (removed === null) return false;
    this.#expiry.forget(seq);
    this.persistRemoval(seq, removed.size, erase);
    if (reason !== null && this.#listener !== null) {
      try {
        this.#listener(seq, removed.subject, reason);
      } catch {
        // A listener's failure must not undo or interrupt a removal that already happened.
      }
    }
    return true;
  }

  /** Removes every message below `seq`; past the end, moves last_seq to seq - 1. */
  #removeBelow(seq: number): number {
    const ix = this.index;
    if (seq > ix.lastSeq) {
      const removed = ix.msgs;
      ix.clear();
      this.#expiry.clear();
      if (seq > ix.lastSeq + 1) ix.advanceLast(seq - 1);
      this.persistClear();
      return removed;
    }
    let removed = 0;
    while (ix.msgs > 0 && ix.firstSeq < seq) {
      this.#drop(ix.firstSeq, false, null);
      removed++;
    }
    return removed;
  }

  #keepNewest(keep: number): number {
    if (keep >= this.index.msgs) return 0;
    let cut = 0;
    let n = 0;
    this.index.scanBackward(this.index.lastSeq, (seq) => {
      cut = seq;
      return ++n < keep;
    });
    return this.#removeBelow(cut);
  }

  #enforceFrontLimits(): void {
    for (let over = nextOverLimit(this.#config, this.index); over !== null;) {
      this.#drop(over.seq, false, over.reason);
      over = nextOverLimit(this.#config, this.index);
    }
  }

  /** Removes messages past max age or their TTL at time `now`; returns how many. */
  #expire(now: number): number {
    let removed = 0;
    for (const { seq, reason } of this.#expiry.due(this.#config.maxAge, now)) {
      if (this.#drop(seq, false, reason)) removed++;
    }
    return removed;
  }
}
