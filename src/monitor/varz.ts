/**
 * `/varz`: the server's identity, configuration limits and running totals, with nats-server's
 * `Varz` field names, units and order. Durations are integer nanoseconds (Go's
 * `time.Duration`), `auth_timeout` and `tls_timeout` float seconds, times RFC 3339.
 */
import { COMPAT_NATS_VERSION, PROTOCOL_VERSION, SKIFF_VERSION } from "../config/options.ts";
import { durationNanos, hiResNow, rfc3339, uptimeString } from "./format.ts";
import type { MonitorSource } from "./source.ts";

/** nats-server's default `tls_timeout` (seconds); reported although Skiff has no TLS yet. */
const TLS_TIMEOUT_SECONDS = 2;

/** Per-kind slow consumer counts (nats-server 2.10+ `slow_consumer_stats`). */
export interface SlowConsumerStats {
  clients: number;
  routes: number;
  gateways: number;
  leafs: number;
}

export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  host: string;
  port: number;
  auth_required?: boolean;
  max_connections: number;
  max_subscriptions?: number;
  /** Nanoseconds. */
  ping_interval: number;
  ping_max: number;
  http_host: string;
  http_port: number;
  http_base_path: string;
  https_port: number;
  /** Seconds. */
  auth_timeout: number;
  max_control_line: number;
  max_payload: number;
  max_pending: number;
  /** Option blocks; empty objects until clustering, gateways, leaf nodes, ... land. */
  cluster: Record<string, unknown>;
  gateway: Record<string, unknown>;
  leaf: Record<string, unknown>;
  mqtt: Record<string, unknown>;
  websocket: Record<string, unknown>;
  jetstream: Record<string, unknown>;
  /** Seconds. */
  tls_timeout: number;
  /** Nanoseconds. */
  write_deadline: number;
  start: string;
  now: string;
  uptime: string;
  /** Resident set size, bytes. */
  mem: number;
  cores: number;
  /** Percent of one core. */
  cpu: number;
  connections: number;
  total_connections: number;
  routes: number;
  remotes: number;
  leafnodes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  slow_consumers: number;
  slow_consumer_stats: SlowConsumerStats;
  stale_connections: number;
  subscriptions: number;
  http_req_stats: Record<string, number>;
  config_load_time: string;
  system_account?: string;
  /** Skiff's own release (`version` is the nats-server version Skiff is compatible with). */
  skiff_version: string;
  /** The JavaScript runtime, e.g. `deno 2.1.4` (where nats-server reports `go`). */
  runtime: string;
}

export function varz(src: MonitorSource, now = hiResNow()): Varz {
  const o = src.options;
  const stats = src.stats;
  const usage = src.processUsage();
  let subscriptions = 0;
  for (const a of src.monitorAccounts()) subscriptions += a.sublistStats().numSubscriptions;
  const v = {
    server_id: src.id,
    server_name: src.name,
    version: COMPAT_NATS_VERSION,
    proto: PROTOCOL_VERSION,
    host: o.host,
    port: src.boundPorts.client,
  } as Varz;
  if (src.authRequired) v.auth_required = true;
  v.max_connections = o.maxConnections;
  if (o.maxSubscriptions > 0) v.max_subscriptions = o.maxSubscriptions;
  v.ping_interval = durationNanos(o.pingIntervalMs);
  v.ping_max = o.pingMax;
  v.http_host = o.httpHost;
  v.http_port = src.boundPorts.http;
  v.http_base_path = "";
  v.https_port = 0;
  v.auth_timeout = o.authTimeoutMs / 1000;
  v.max_control_line = o.maxControlLine;
  v.max_payload = o.maxPayload;
  v.max_pending = o.maxPending;
  v.cluster = {};
  v.gateway = {};
  v.leaf = src.leafVarz?.() ?? {};
  v.mqtt = {};
  v.websocket = {};
  const js = src.jetstreamUsage();
  v.jetstream = js === null ? {} : {
    config: { max_memory: js.maxMemory, max_storage: js.maxStore, store_dir: js.storeDir },
    stats: {
      memory: js.memory,
      storage: js.storage,
      reserved_memory: 0,
      reserved_storage: 0,
      accounts: js.accounts,
      ha_assets: 0,
      api: { total: js.apiTotal, errors: js.apiErrors },
    },
  };
  v.tls_timeout = TLS_TIMEOUT_SECONDS;
  v.write_deadline = durationNanos(o.writeDeadlineMs);
  v.start = rfc3339(src.startedAt.getTime());
  v.now = rfc3339(now);
  v.uptime = uptimeString(now - src.startedAt.getTime());
  v.mem = usage.rss;
  v.cores = usage.cores;
  v.cpu = usage.cpu;
  v.connections = src.numConnections();
  v.total_connections = src.totalConnections;
  v.routes = 0;
  v.remotes = 0;
  v.leafnodes = src.monitorLeafs?.().length ?? 0;
  v.in_msgs = stats.inMsgs;
  v.out_msgs = stats.outMsgs;
  v.in_bytes = stats.inBytes;
  v.out_bytes = stats.outBytes;
  v.slow_consumers = stats.slowConsumers;
  const leafSlow = src.leafSlowConsumers?.() ?? 0;
  v.slow_consumer_stats = {
    clients: stats.slowConsumers - leafSlow,
    routes: 0,
    gateways: 0,
    leafs: leafSlow,
  };
  v.stale_connections = stats.staleConnections;
  v.subscriptions = subscriptions;
  v.http_req_stats = sortedRecord(src.httpReqStats);
  v.config_load_time = rfc3339(src.configLoadedAt.getTime());
  if (src.systemAccount !== "") v.system_account = src.systemAccount;
  v.skiff_version = SKIFF_VERSION;
  v.runtime = src.runtime;
  return v;
}

/** Go marshals maps with sorted keys; so do we. */
function sortedRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}
