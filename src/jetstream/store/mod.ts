/**
 * The JetStream message store: the `StreamStore` contract and its two implementations
 * (`MemStore`, `FileStore`), consumer state persistence, and the recovery report. Other folders
 * import from here, not from the files behind it.
 */

export type {
  ConsumerEntry,
  DiscardPolicy,
  LostData,
  PurgeOptions,
  RemovalListener,
  RemovalReason,
  StoreConfig,
  StoredMessage,
  StoreErrorCode,
  StoreMsgOptions,
  StoreResult,
  StreamState,
  StreamStore,
} from "./store.ts";
export { DEFAULT_STORE_CONFIG, MSG_SIZE_OVERHEAD, StoreError, wallClockNs } from "./store.ts";
export type { EngineOptions } from "./engine.ts";
export { MemStore } from "./mem_store.ts";
export {
  DEFAULT_MAX_SEGMENT_BYTES,
  FileStore,
  type FileStoreOptions,
  META_FILE,
} from "./file_store.ts";
export type { RecoveryReport } from "./recovery.ts";
export type { ConsumerLogReport } from "./consumer_log.ts";
export type {
  AckPolicy,
  ConsumerState,
  ConsumerStore,
  ConsumerStoreConfig,
  PendingEntry,
  SeqPair,
} from "./consumer_state.ts";
export { cloneConsumerState, emptyConsumerState } from "./consumer_state.ts";
