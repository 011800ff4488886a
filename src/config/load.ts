/**
 * Loads a configuration file into `Partial<Options>`: parse (`conf_parser.ts`), then map the
 * core keys through one handler table. Keys nats-server 2.9.10 knows but Skiff does not map yet
 * (cluster, gateway, leafnodes, accounts, tls, ...) are accepted and left in `rawConfig` for
 * later loaders; any other top-level key is an error (`unknown field "x"`), as in nats-server,
 * unless it was only a variable definition referenced as `$x`. Keys match case-insensitively.
 */

import type { ConfEntry, ConfMap } from "./conf_types.ts";
import { parseConfigFile } from "./conf_parser.ts";
import {
  type ConfWarning,
  formatWarning,
  invalid,
  unknownField,
  wantArray,
  wantBool,
  wantDuration,
  wantHostPort,
  wantInt,
  wantMap,
  wantPort,
  wantSecondsOrDuration,
  wantStorageSize,
  wantString,
} from "./conf_values.ts";
import { ConfigError } from "./errors.ts";
import {
  LAME_DUCK_DURATION_MIN_MS,
  MAX_PAYLOAD_LIMIT,
  MAX_PENDING,
  type Options,
} from "./options.ts";

export interface LoadConfigDeps {
  readFile: (path: string) => Promise<string>;
  env?: (name: string) => string | undefined;
  /**
   * Turn warnings into errors, as `nats-server -t` does: `-t` (check-config) should load with
   * `strict: true`.
   */
  strict?: boolean;
}

export interface LoadResult {
  options: Partial<Options>;
  warnings: string[];
}

interface Ctx {
  options: Partial<Options>;
  warnings: ConfWarning[];
  /** The entries that set max_payload / max_pending, for the cross check at the end. */
  maxPayload?: ConfEntry;
}

type Handler = (entry: ConfEntry, ctx: Ctx) => void;

function set<K extends keyof Options>(key: K, read: (e: ConfEntry) => Options[K]): Handler {
  return (e, ctx) => {
    ctx.options[key] = read(e);
  };
}

const INT32_MAX = 2 ** 31 - 1;

/** Limits where 0 means "the default" (as in nats-server) and negatives are invalid. */
function limit(key: "maxControlLine" | "maxPending" | "maxConnections", max = Infinity): Handler {
  return (e, ctx) => {
    const v = wantInt(e, 0, max);
    if (v > 0) ctx.options[key] = v;
  };
}

function hostPortTo(hostKey: "host" | "httpHost", portKey: "port" | "httpPort"): Handler {
  return (e, ctx) => {
    const { host, port } = wantHostPort(e);
    if (host !== "") ctx.options[hostKey] = host;
    ctx.options[portKey] = port;
  };
}

function positiveDuration(key: "pingIntervalMs" | "writeDeadlineMs"): Handler {
  return (e, ctx) => {
    const ms = wantDuration(e, ctx.warnings);
    if (ms <= 0) invalid(e, "must be a positive duration");
    ctx.options[key] = ms;
  };
}

/** Known keys whose value must be a map, and those accepted as they are, for later loaders. */
const RAW_MAPS = new Set([
  "cluster",
  "gateway",
  "leaf",
  "leafnodes",
  "websocket",
  "ws",
  "mqtt",
  "tls",
  "mappings",
  "resolver_tls",
]);
const RAW_STRINGS = new Set(["system_account", "system", "no_auth_user"]);
const RAW_ANY = new Set([
  "accounts",
  "https",
  "https_port",
  "http_base_path",
  "operator",
  "operators",
  "root",
  "roots",
  "resolver",
  "account_resolver",
  "accounts_resolver",
  "resolver_preload",
  "resolver_pinned_accounts",
  "trusted",
  "trusted_keys",
  "no_system_account",
  "no_system",
  "no_header_support",
  "disable_sublist_cache",
  "no_sublist_cache",
  "max_traced_msg_len",
  "max_sub_tokens",
  "log_size_limit",
  "logfile_size_limit",
  "syslog",
  "remote_syslog",
  "prof_port",
  "connect_error_reports",
  "reconnect_error_reports",
  "default_js_domain",
  "ocsp",
  "allow_non_tls",
]);

const TOP: Record<string, Handler> = {
  listen: hostPortTo("host", "port"),
  host: set("host", wantString),
  net: set("host", wantString),
  port: set("port", wantPort),
  server_name: set("serverName", wantString),
  client_advertise: set("clientAdvertise", wantString),
  max_payload: (e, ctx) => {
    const v = wantInt(e, 0, MAX_PAYLOAD_LIMIT);
    if (v > 0) {
      ctx.options.maxPayload = v;
      ctx.maxPayload = e;
    }
  },
  max_control_line: limit("maxControlLine", INT32_MAX),
  max_pending: limit("maxPending"),
  max_connections: limit("maxConnections"),
  max_conn: limit("maxConnections"),
  max_subscriptions: set("maxSubscriptions", (e) => wantInt(e, 0)),
  max_subs: set("maxSubscriptions", (e) => wantInt(e, 0)),
  ping_interval: positiveDuration("pingIntervalMs"),
  ping_max: set("pingMax", (e) => wantInt(e, 0)),
  write_deadline: positiveDuration("writeDeadlineMs"),
  authorization: loadAuthorization,
  http: hostPortTo("httpHost", "httpPort"),
  http_port: set("httpPort", wantPort),
  monitor_port: set("httpPort", wantPort),
  debug: set("debug", wantBool),
  trace: set("trace", wantBool),
  trace_verbose: set("traceVerbose", wantBool),
  logtime: set("logtime", wantBool),
  log_file: set("logFile", wantString),
  logfile: set("logFile", wantString),
  pid_file: set("pidFile", wantString),
  pidfile: set("pidFile", wantString),
  ports_file_dir: set("portsFileDir", wantString),
  lame_duck_duration: (e, ctx) => {
    const ms = wantDuration(e);
    if (ms < LAME_DUCK_DURATION_MIN_MS) invalid(e, "the minimum is 30 seconds");
    ctx.options.lameDuckDurationMs = ms;
  },
  lame_duck_grace_period: (e, ctx) => {
    const ms = wantDuration(e);
    if (ms < 0) invalid(e, "must not be negative");
    ctx.options.lameDuckGracePeriodMs = ms;
  },
  jetstream: loadJetStream,
  store_dir: set("storeDir", wantString),
  server_tags: (e) => {
    if (e.node.kind === "string") return;
    for (const item of wantArray(e)) {
      if (item.kind !== "string") invalid(e, "tags must be strings");
    }
  },
};

for (const key of RAW_MAPS) TOP[key] = (e) => void wantMap(e);
for (const key of RAW_STRINGS) TOP[key] = (e) => void wantString(e);
for (const key of RAW_ANY) TOP[key] = () => {};

/** Visits a block's entries: known keys go to their handler, unknown ones fail. */
function eachKnown(map: ConfMap, handlers: Record<string, (e: ConfEntry) => void>): void {
  for (const entry of map.values()) {
    const handler = handlers[entry.key.toLowerCase()];
    if (handler) handler(entry);
    else if (!entry.referenced) unknownField(entry);
  }
}

/**
 * `authorization { user, password, token, timeout, users, permissions, default_permissions }`:
 * the single-user fields and the timeout map to options now; users and permissions stay in
 * `rawConfig` for the auth loader.
 */
function loadAuthorization(entry: ConfEntry, ctx: Ctx): void {
  const o = ctx.options;
  eachKnown(wantMap(entry), {
    user: (e) => (o.username = wantString(e)),
    username: (e) => (o.username = wantString(e)),
    pass: (e) => (o.password = wantString(e)),
    password: (e) => (o.password = wantString(e)),
    token: (e) => (o.authToken = wantString(e)),
    timeout: (e) => {
      const ms = wantSecondsOrDuration(e);
      if (ms < 0) invalid(e, "must not be negative");
      o.authTimeoutMs = ms;
    },
    users: (e) => void wantArray(e),
    permissions: (e) => void wantMap(e),
    default_permissions: (e) => void wantMap(e),
  });
}

/** `jetstream: true|false|enabled|disabled` or `jetstream { store_dir, max_mem, ... }`. */
function loadJetStream(entry: ConfEntry, ctx: Ctx): void {
  const o = ctx.options;
  const n = entry.node;
  if (n.kind === "bool") {
    o.jetstream = n.value;
    return;
  }
  if (n.kind === "string") {
    const word = n.value.toLowerCase();
    if (word !== "enabled" && word !== "disabled") {
      invalid(entry, `expected "enabled" or "disabled", got ${JSON.stringify(n.value)}`);
    }
    o.jetstream = word === "enabled";
    return;
  }
  if (n.kind !== "map") invalid(entry, 'expected a boolean, "enabled", "disabled" or a map');
  let enabled = true;
  const storeDir = (e: ConfEntry) => (o.storeDir = wantString(e));
  const maxMemory = (e: ConfEntry) => (o.jetstreamMaxMemory = wantStorageSize(e));
  const maxStore = (e: ConfEntry) => (o.jetstreamMaxStore = wantStorageSize(e));
  const enable = (e: ConfEntry) => (enabled = wantBool(e));
  const accept = () => {};
  eachKnown(n.value, {
    store_dir: storeDir,
    store: storeDir,
    max_memory_store: maxMemory,
    max_mem: maxMemory,
    max_file_store: maxStore,
    max_file: maxStore,
    domain: (e) => (o.jetstreamDomain = wantString(e)),
    // "always" (Skiff's default: ack after fsync) or a duration (nats-server's lazy mode).
    sync_interval: (e) => {
      o.jetstreamSyncIntervalMs = e.node.kind === "string" && e.node.value === "always"
        ? 0
        : wantDuration(e);
    },
    enabled: enable,
    enable: enable,
    // Not implemented yet; kept in rawConfig.
    key: accept,
    ek: accept,
    encryption_key: accept,
    cipher: accept,
    extension_hint: accept,
    limits: (e) => void wantMap(e),
    unique_tag: accept,
    max_outstanding_catchup: accept,
  });
  o.jetstream = enabled;
}

/**
 * Maps a parsed config tree to options. Throws `ConfigError` on the first bad key or value;
 * with `strict`, on the first warning too.
 */
export function configToOptions(root: ConfMap, strict = false): LoadResult {
  const ctx: Ctx = { options: {}, warnings: [] };
  for (const entry of root.values()) {
    const handler = TOP[entry.key.toLowerCase()];
    if (handler) handler(entry, ctx);
    else if (!entry.referenced) unknownField(entry);
  }
  const maxPending = ctx.options.maxPending ?? MAX_PENDING;
  if (ctx.maxPayload && ctx.options.maxPayload! > maxPending) {
    invalid(
      ctx.maxPayload,
      `max_payload (${ctx.options.maxPayload}) cannot be higher than max_pending (${maxPending})`,
    );
  }
  if (strict && ctx.warnings.length > 0) {
    const w = ctx.warnings[0];
    throw new ConfigError(w.entry.file, w.entry.line, w.entry.col, w.detail, w.entry.key);
  }
  ctx.options.rawConfig = root;
  return { options: ctx.options, warnings: ctx.warnings.map(formatWarning) };
}

/** Reads, parses and maps the configuration file at `path`. */
export async function loadConfig(path: string, deps: LoadConfigDeps): Promise<LoadResult> {
  const root = await parseConfigFile(path, { readFile: deps.readFile, env: deps.env });
  return configToOptions(root, deps.strict ?? false);
}
