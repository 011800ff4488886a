/**
 * Account and server JetStream limits (nats-server 2.9's checkAllLimits/checkBytesLimits):
 * stream counts, and byte reservations, where each stream reserves its max_bytes (or 1 byte
 * when unlimited) against the account's and the server's memory or file budget. Publishing
 * is refused once a message would take the account's usage past its limit.
 */
import type { JsAccountLimits } from "../accounts/account.ts";
import {
  apiError,
  JSMaximumStreamsLimitErr,
  JSMemoryResourcesExceededErr,
  JSStorageResourcesExceededErr,
  JSStreamMaxBytesRequired,
  JSStreamMaxStreamBytesExceeded,
} from "./api_errors.ts";
import type { StreamConfig } from "./types.ts";

export type Storage = "memory" | "file";

/** What the checks need to know about the account and the server. */
export interface LimitsView {
  readonly account: JsAccountLimits;
  /** Server-wide max_memory_store / max_file_store; <= 0: not enforced. */
  readonly serverMaxMemory: number;
  readonly serverMaxStore: number;
  /** Bytes the account's streams reserve, leaving out `except`. */
  accountReserved(storage: Storage, except: string | null): number;
  /** Bytes every account's streams reserve, leaving out `except` of this account. */
  serverReserved(storage: Storage, except: string | null): number;
  streamCount(): number;
}

/** The bytes a stream with this config reserves. */
export function reservationOf(config: StreamConfig): number {
  return config.max_bytes > 0 ? config.max_bytes * Math.max(1, config.num_replicas ?? 1) : 0;
}

/** Throws the ApiError nats-server answers when `config` does not fit (`existing`: update). */
export function checkStreamLimits(
  view: LimitsView,
  config: StreamConfig,
  existing: string | null,
): void {
  const l = view.account;
  if (existing === null && l.maxStreams > 0 && view.streamCount() >= l.maxStreams) {
    throw apiError(JSMaximumStreamsLimitErr);
  }
  const memory = config.storage === "memory";
  if (l.maxBytesRequired && config.max_bytes <= 0) throw apiError(JSStreamMaxBytesRequired);
  const streamMax = memory ? l.memoryMaxStreamBytes : l.storeMaxStreamBytes;
  if (streamMax > 0 && config.max_bytes > streamMax) {
    throw apiError(JSStreamMaxStreamBytesExceeded);
  }
  const add = config.max_bytes > 0 ? reservationOf(config) : 1;
  const err = memory ? JSMemoryResourcesExceededErr : JSStorageResourcesExceededErr;
  const storage: Storage = memory ? "memory" : "file";
  const accountMax = memory ? l.maxMemory : l.maxStore;
  if (accountMax >= 0 && view.accountReserved(storage, existing) + add > accountMax) {
    throw apiError(err);
  }
  const serverMax = memory ? view.serverMaxMemory : view.serverMaxStore;
  if (serverMax > 0 && view.serverReserved(storage, existing) + add > serverMax) {
    throw apiError(err);
  }
}

/** The bytes nats-server counts for one stored message. */
export function storedSize(
  storage: Storage,
  subject: string,
  headers: Uint8Array | null,
  data: Uint8Array,
): number {
  const body = subject.length + (headers?.length ?? 0) + data.length;
  return storage === "memory" ? body + 16 : body + 30;
}
