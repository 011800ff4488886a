/**
 * The message store contract under JetStream: what a stream needs from storage, independent of
 * where the bytes live. `MemStore` and `FileStore` implement it with identical semantics (they
 * share `StoreEngine`, and one behavioural suite runs against both).
 *
 * Conventions:
 * - Sequences are positive integers; timestamps and durations are nanoseconds as `number`
 *   (above 2^53 ns, i.e. for wall-clock times, a timestamp is exact to 256 ns, finer than
 *   the clock the server reads).
 * - A message's accounted size is `subject bytes + headers + payload + MSG_SIZE_OVERHEAD (16)`,
 *   for both stores; `bytes` in the state and `maxBytes` use it.
 * - Mutations resolve only once durable (FileStore: fsynced, unless `syncIntervalMs` is set).
 * - Returned message buffers are shared with the store's cache: callers must not modify them.
 */

import type { ConsumerStore, ConsumerStoreConfig } from "./consumer_state.ts";

export const MSG_SIZE_OVERHEAD = 16;

export type DiscardPolicy = "old" | "new";

/** Limits the store enforces itself; the stream layer maps StreamConfig onto these. */
export interface StoreConfig {
  /** Max messages; <= 0 means unlimited. */
  maxMsgs: number;
  /** Max accounted bytes; <= 0 means unlimited. */
  maxBytes: number;
  /** Max age in ns; 0 means unlimited. */
  maxAge: number;
  /** Max messages per subject; <= 0 means unlimited. */
  maxMsgsPerSubject: number;
  /** Max headers + payload bytes of one message; < 0 means unlimited. */
  maxMsgSize: number;
  discard: DiscardPolicy;
  /** With `discard: "new"` and a per-subject limit: reject instead of evicting that subject. */
  discardNewPerSubject: boolean;
  /** Sequence of the first message of a new, empty store (default 1). Ignored on reopen. */
  firstSeq: number;
}

export const DEFAULT_STORE_CONFIG: Readonly<StoreConfig> = Object.freeze({
  maxMsgs: -1,
  maxBytes: -1,
  maxAge: 0,
  maxMsgsPerSubject: -1,
  maxMsgSize: -1,
  discard: "old",
  discardNewPerSubject: false,
  firstSeq: 1,
});

export interface StoreMsgOptions {
  /** Timestamp in ns; defaults to the store's clock. */
  ts?: number;
  /** Per-message TTL in ns: > 0 expires at ts + ttl (max age does not apply), -1 never expires. */
  ttl?: number;
}

export interface StoredMessage {
  subject: string;
  seq: number;
  ts: number;
  headers: Uint8Array | null;
  payload: Uint8Array;
  /** 0 when the message has no TTL of its own. */
  ttl: number;
}

export interface StoreResult {
  seq: number;
  ts: number;
}

export interface LostData {
  /** Sequences that were acknowledged (or may have been) and could not be recovered. */
  msgs: number[];
  /** Bytes of damaged data skipped. */
  bytes: number;
}

export interface StreamState {
  msgs: number;
  bytes: number;
  firstSeq: number;
  /** ns; 0 when the store is empty. */
  firstTs: number;
  lastSeq: number;
  /** ns; 0 when nothing was ever stored. */
  lastTs: number;
  numSubjects: number;
  /** Interior gaps: sequences between first and last that are not present. */
  numDeleted: number;
  /** Present only when asked for (`state({ deleted: true })`). */
  deleted?: number[];
  /** Data the store found damaged (FileStore), null when nothing was lost. */
  lost: LostData | null;
}

export interface PurgeOptions {
  /** Subject filter (wildcards allowed); empty or ">" means every message. */
  filter?: string;
  /** Remove messages with a sequence below this one. */
  seq?: number;
  /** Keep this many of the newest matching messages. Exclusive with `seq`. */
  keep?: number;
}

export type RemovalReason = "max_msgs" | "max_bytes" | "max_msgs_per_subject" | "max_age" | "ttl";

/** Called for every message the store removes on its own (limits and expiry). */
export type RemovalListener = (seq: number, subject: string, reason: RemovalReason) => void;

export interface ConsumerEntry {
  name: string;
  /** Opaque bytes the consumer layer saved with `ConsumerStore.setMeta` (its config JSON). */
  meta: Uint8Array | null;
}

export interface StreamStore {
  /** Appends a message; resolves with its sequence and timestamp once durable. */
  storeMsg(
    subject: string,
    headers: Uint8Array | null,
    payload: Uint8Array,
    opts?: StoreMsgOptions,
  ): Promise<StoreResult>;
  /** The message with this sequence, or null. */
  loadMsg(seq: number): Promise<StoredMessage | null>;
  /** The newest message whose subject matches `filter` ("" or ">" = any). */
  loadLastMsg(filter: string): Promise<StoredMessage | null>;
  /** The first message with seq >= `fromSeq` whose subject matches `filter`. */
  loadNextMsg(filter: string, fromSeq: number): Promise<StoredMessage | null>;
  /**
   * `loadNextMsg` answered synchronously when the answer is at hand (the message is durable
   * and in memory); undefined when it needs a read (then call `loadNextMsg`).
   */
  peekNextMsg?(filter: string, fromSeq: number): StoredMessage | null | undefined;
  /** Removes a message; false when it was not there. */
  removeMsg(seq: number): Promise<boolean>;
  /** Removes a message and overwrites its bytes on disk. */
  eraseMsg(seq: number): Promise<boolean>;
  /** Purges by filter / sequence / keep (ADR-10 semantics); resolves with the count removed. */
  purge(opts?: PurgeOptions): Promise<number>;
  /** Removes every message with a sequence below `seq`; a `seq` past the end moves last_seq. */
  compact(seq: number): Promise<number>;
  state(opts?: { deleted?: boolean }): StreamState;
  /** Message count per subject for subjects matching `filter`. */
  subjectsState(filter: string): Map<string, number>;
  /** Messages matching `filter` with seq >= `fromSeq` (or subjects, with `lastPerSubject`). */
  numPending(filter: string, fromSeq: number, lastPerSubject?: boolean): number;
  /** Last sequence of each subject matching `filter`, ascending (deliver last_per_subject). */
  lastSeqsPerSubject(filter: string): number[];
  /** First sequence with a timestamp at or after `ts`, or last_seq + 1. */
  seqFromTime(ts: number): number;
  /** Replaces the limits and applies them at once (may remove messages). */
  updateConfig(config: Partial<StoreConfig>): Promise<void>;
  readonly config: Readonly<StoreConfig>;
  /** Runs age and TTL expiry now; resolves with the number of messages removed. */
  expireNow(): Promise<number>;
  /** Registers the listener for store-initiated removals (one listener; null clears it). */
  onRemoval(listener: RemovalListener | null): void;
  /** Opens (or creates) the durable state of consumer `name`. */
  consumerStore(name: string, config: ConsumerStoreConfig): Promise<ConsumerStore>;
  /** Consumers with saved state (restored on open), for the stream layer to recreate. */
  consumers(): ConsumerEntry[];
  /** Flushes, stops timers and releases files. Further calls reject with `StoreError`. */
  close(): Promise<void>;
  /** Closes and removes every byte of the store. */
  delete(): Promise<void>;
}

export type StoreErrorCode =
  | "max_msgs"
  | "max_bytes"
  | "max_msgs_per_subject"
  | "max_msg_size"
  | "invalid_subject"
  | "closed"
  | "io";

const STORE_ERROR_TEXT: Record<StoreErrorCode, string> = {
  max_msgs: "maximum messages exceeded",
  max_bytes: "maximum bytes exceeded",
  max_msgs_per_subject: "maximum messages per subject exceeded",
  max_msg_size: "message size exceeds maximum allowed",
  invalid_subject: "invalid subject",
  closed: "store is closed",
  io: "store failed on an I/O error and must be reopened",
};

/** A store refusal or failure; the API layer maps `code` onto JetStream error codes. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, options?: { cause?: unknown }) {
    super(STORE_ERROR_TEXT[code], options);
    this.name = "StoreError";
    this.code = code;
  }
}

/** Default clock: wall time in ns (millisecond resolution). */
export function wallClockNs(): number {
  return Date.now() * 1_000_000;
}
