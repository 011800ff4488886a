/**
 * Config reload (SIGHUP, `--signal reload`): re-reads the config file, layers the command
 * line over it again (nats-server forgets flags on reload, issue #6606; Skiff keeps them),
 * applies every option that can change live and refuses, with a log line each, those that
 * cannot, keeping their old values. Accounts and mappings are rebuilt and clients rebound.
 */
import { loadConfig } from "../config/load.ts";
import { type Options, resolveOptions } from "../config/options.ts";
import type { Platform } from "../platform/types.ts";
import type { Server } from "./server.ts";
import { readAccountsConfig } from "../accounts/config.ts";

/** Options that apply live; any other changed option is refused. */
const RELOADABLE = new Set<keyof Options>([
  "maxPayload",
  "maxControlLine",
  "maxPending",
  "maxConnections",
  "maxSubscriptions",
  "pingIntervalMs",
  "pingMax",
  "writeDeadlineMs",
  "authTimeoutMs",
  "debug",
  "trace",
  "traceVerbose",
  "logtime",
  "logFile",
  "lameDuckDurationMs",
  "lameDuckGracePeriodMs",
  "username",
  "password",
  "authToken",
  "rawConfig",
  "pidFile",
]);

/** How the config file spells the options a reload may refuse, for the log line. */
const CONFIG_NAME: Partial<Record<keyof Options, string>> = {
  host: "host",
  port: "port",
  serverName: "server_name",
  clientAdvertise: "client_advertise",
  httpHost: "http",
  httpPort: "http_port",
  portsFileDir: "ports_file_dir",
  jetstream: "jetstream",
  storeDir: "store_dir",
  jetstreamMaxMemory: "max_memory_store",
  jetstreamMaxStore: "max_file_store",
  jetstreamDomain: "jetstream.domain",
  clusterUrl: "cluster",
  clusterName: "cluster.name",
  routes: "cluster.routes",
};

export interface ReloadResult {
  readonly applied: string[];
  readonly refused: string[];
}

/** Returns null (after logging why) when the file could not be read or is invalid. */
export async function reloadConfig(
  server: Server,
  platform: Platform,
  commandLine: Partial<Options>,
): Promise<ReloadResult | null> {
  const log = server.logger;
  const file = server.options.configFile;
  if (!file) {
    log.error("Config reload failed: can only reload config when a file is provided using -c");
    return null;
  }
  let next: Options;
  try {
    const loaded = await loadConfig(file, { readFile: platform.readTextFile, env: platform.env });
    for (const w of loaded.warnings) log.warn(w);
    next = resolveOptions(loaded.options, commandLine, { configFile: file });
    readAccountsConfig(next.rawConfig); // validate before anything changes
  } catch (err) {
    log.error(`Config reload failed: ${(err as Error).message}`);
    return null;
  }

  const current = server.options as unknown as Record<string, unknown>;
  const applied: string[] = [];
  const refused: string[] = [];
  for (const key of Object.keys(next) as (keyof Options)[]) {
    if (sameValue(current[key], next[key])) continue;
    if (RELOADABLE.has(key)) {
      current[key] = next[key];
      applied.push(key);
    } else {
      refused.push(key);
      const name = CONFIG_NAME[key] ?? key;
      log.warn(`Config reload: ${name} cannot change while running; keeping ${show(current[key])}`);
    }
  }
  try {
    await server.applyReload(applied);
  } catch (err) {
    log.error(`Config reload failed while applying: ${(err as Error).message}`);
    return null;
  }
  log.info("Reloaded server configuration");
  return { applied, refused };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  // The raw config tree changes identity on every read; compare what it says.
  if (a instanceof Map && b instanceof Map) {
    return JSON.stringify(plain(a)) === JSON.stringify(plain(b));
  }
  return false;
}

function plain(v: unknown): unknown {
  if (v instanceof Map) return [...v.entries()].map(([k, e]) => [k, plain(e.node ?? e)]);
  if (v && typeof v === "object" && "kind" in v && "value" in v) {
    return plain((v as { value: unknown }).value);
  }
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
