/**
 * `/jsz`: JetStream usage with nats-server's field names; `disabled` with zero counters while
 * JetStream is off.
 */
import { hiResNow, rfc3339 } from "./format.ts";
import { MonitorRequestError, queryBool, queryInt, type QueryParams } from "./query.ts";
import type { MonitorSource } from "./source.ts";

export interface JszOptions {
  account?: string;
  accounts?: boolean;
  streams?: boolean;
  consumers?: boolean;
  config?: boolean;
  leaderOnly?: boolean;
  offset?: number;
  limit?: number;
  raft?: boolean;
}

export interface JetStreamConfigJson {
  max_memory: number;
  max_storage: number;
  store_dir?: string;
  domain?: string;
}

export interface Jsz {
  server_id: string;
  now: string;
  disabled?: boolean;
  config: JetStreamConfigJson;
  memory: number;
  storage: number;
  reserved_memory: number;
  reserved_storage: number;
  accounts: number;
  ha_assets: number;
  api: { total: number; errors: number };
  streams: number;
  consumers: number;
  messages: number;
  bytes: number;
}

export function parseJszQuery(q: QueryParams): JszOptions {
  const accounts = queryBool(q, "accounts");
  const streams = queryBool(q, "streams");
  const consumers = queryBool(q, "consumers");
  const config = queryBool(q, "config");
  const offset = queryInt(q, "offset");
  const limit = queryInt(q, "limit");
  const leaderOnly = queryBool(q, "leader-only");
  const raft = queryBool(q, "raft");
  return {
    account: q.get("acc") ?? "",
    accounts,
    streams,
    consumers,
    config,
    leaderOnly,
    offset,
    limit,
    raft,
  };
}

/** Throws `MonitorRequestError` for `leader-only` while JetStream is off (no leader to be). */
export function jsz(src: MonitorSource, opts: JszOptions = {}, now = hiResNow()): Jsz {
  const u = src.jetstreamUsage();
  if (u !== null) {
    // A single server is its own leader.
    return {
      server_id: src.id,
      now: rfc3339(now),
      config: { max_memory: u.maxMemory, max_storage: u.maxStore, store_dir: u.storeDir },
      memory: u.memory,
      storage: u.storage,
      reserved_memory: 0,
      reserved_storage: 0,
      accounts: u.accounts,
      ha_assets: 0,
      api: { total: u.apiTotal, errors: u.apiErrors },
      streams: u.streams,
      consumers: u.consumers,
      messages: u.messages,
      bytes: u.bytes,
    };
  }
  if (opts.leaderOnly) throw new MonitorRequestError("filtered response: not leader");
  return {
    server_id: src.id,
    now: rfc3339(now),
    disabled: true,
    config: { max_memory: 0, max_storage: 0 },
    memory: 0,
    storage: 0,
    reserved_memory: 0,
    reserved_storage: 0,
    accounts: 0,
    ha_assets: 0,
    api: { total: 0, errors: 0 },
    streams: 0,
    consumers: 0,
    messages: 0,
    bytes: 0,
  };
}
