/**
 * Every server option with its default, in one place (nats-server keeps these in const.go and
 * opts.go). Flags and the config file produce a `Partial<Options>`; `resolveOptions` fills the rest.
 */

import type { ConfMap } from "./conf_types.ts";

export const SKIFF_VERSION = "0.1.0";
/**
 * The nats-server version whose client-visible features Skiff implements. Clients gate
 * features on the INFO `version`, so this rises as features land.
 */
export const COMPAT_NATS_VERSION = "2.9.10";
export const PROTOCOL_VERSION = 1;

export const DEFAULT_PORT = 4222;
export const DEFAULT_HOST = "0.0.0.0";
export const MAX_PAYLOAD = 1024 * 1024;
export const MAX_PAYLOAD_LIMIT = 64 * 1024 * 1024;
export const MAX_CONTROL_LINE = 4096;
export const MAX_PENDING = 64 * 1024 * 1024;
export const MAX_CONNECTIONS = 64 * 1024;
export const PING_INTERVAL_MS = 2 * 60 * 1000;
export const PING_MAX = 2;
export const WRITE_DEADLINE_MS = 10 * 1000;
export const AUTH_TIMEOUT_MS = 2 * 1000;
export const LAME_DUCK_DURATION_MS = 2 * 60 * 1000;
export const LAME_DUCK_GRACE_PERIOD_MS = 10 * 1000;
/** nats-server's minimum `lame_duck_duration`. */
export const LAME_DUCK_DURATION_MIN_MS = 30 * 1000;
/** The store directory base; like nats-server, streams go under `<dir>/jetstream/`. */
export const DEFAULT_STORE_DIR = "/tmp/nats";

export interface Options {
  host: string;
  /** 0 or -1 picks a free port. */
  port: number;
  serverName: string;
  clientAdvertise: string;
  maxPayload: number;
  maxControlLine: number;
  maxPending: number;
  maxConnections: number;
  /** 0 means unlimited. */
  maxSubscriptions: number;
  pingIntervalMs: number;
  pingMax: number;
  writeDeadlineMs: number;
  authTimeoutMs: number;
  /** Monitoring port; 0 means off, -1 picks a free port. */
  httpPort: number;
  httpHost: string;
  debug: boolean;
  trace: boolean;
  logtime: boolean;
  logFile: string;
  pidFile: string;
  portsFileDir: string;
  lameDuckDurationMs: number;
  lameDuckGracePeriodMs: number;
  /** Simple single-user auth from `--user/--pass/--auth`; full auth arrives with the config issue. */
  username: string;
  password: string;
  authToken: string;
  configFile: string;
  /** `-VV`, `trace_verbose`: trace the system account too. */
  traceVerbose: boolean;
  /** `-js`, `jetstream: enabled` or a `jetstream {}` block. */
  jetstream: boolean;
  /** JetStream storage directory (`-sd`, `store_dir`); "" means `DEFAULT_STORE_DIR`. */
  storeDir: string;
  /** `max_memory_store` in bytes; -1 means size it from the machine. */
  jetstreamMaxMemory: number;
  /** `max_file_store` in bytes; -1 means size it from the disk. */
  jetstreamMaxStore: number;
  jetstreamDomain: string;
  /**
   * 0 (the default, "always"): a publish is acknowledged only after fsync. Above 0: fsync
   * every that many ms and acknowledge before it, as nats-server does; unsafe on power loss.
   */
  jetstreamSyncIntervalMs: number;
  /** `--cluster` URL (the route listen address), e.g. `nats://0.0.0.0:6222`. */
  clusterUrl: string;
  clusterName: string;
  /** Route URLs to solicit (`--routes`, comma separated on the command line). */
  routes: string[];
  /**
   * The whole parsed config file with positions, for the parts later loaders read
   * (authorization users, accounts, cluster, gateway, leafnodes, mappings, ...). Null without -c.
   */
  rawConfig: ConfMap | null;
}

export function defaultOptions(): Options {
  return {
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
    serverName: "",
    clientAdvertise: "",
    maxPayload: MAX_PAYLOAD,
    maxControlLine: MAX_CONTROL_LINE,
    maxPending: MAX_PENDING,
    maxConnections: MAX_CONNECTIONS,
    maxSubscriptions: 0,
    pingIntervalMs: PING_INTERVAL_MS,
    pingMax: PING_MAX,
    writeDeadlineMs: WRITE_DEADLINE_MS,
    authTimeoutMs: AUTH_TIMEOUT_MS,
    httpPort: 0,
    httpHost: DEFAULT_HOST,
    debug: false,
    trace: false,
    logtime: true,
    logFile: "",
    pidFile: "",
    portsFileDir: "",
    lameDuckDurationMs: LAME_DUCK_DURATION_MS,
    lameDuckGracePeriodMs: LAME_DUCK_GRACE_PERIOD_MS,
    username: "",
    password: "",
    authToken: "",
    configFile: "",
    traceVerbose: false,
    jetstream: false,
    storeDir: "",
    jetstreamMaxMemory: -1,
    jetstreamMaxStore: -1,
    jetstreamDomain: "",
    jetstreamSyncIntervalMs: 0,
    clusterUrl: "",
    clusterName: "",
    routes: [],
    rawConfig: null,
  };
}

/** Layers option sources: later ones win (defaults < config file < command line). */
export function resolveOptions(...layers: Partial<Options>[]): Options {
  return Object.assign(defaultOptions(), ...layers);
}
