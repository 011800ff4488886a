/**
 * Typed readers over config entries for the loaders: each returns the value in the shape an
 * option needs or throws a `ConfigError` naming file:line:col and the key. Later loaders
 * (authorization users, accounts, cluster) use the same readers.
 */

import { type ConfEntry, type ConfMap, type ConfNode, describeKind } from "./conf_types.ts";
import { parseDuration } from "./duration.ts";
import { ConfigError } from "./errors.ts";

/** A warning with the entry it is about; loaders format it with `formatWarning`. */
export interface ConfWarning {
  entry: ConfEntry;
  detail: string;
}

export function formatWarning(w: ConfWarning): string {
  return `${w.entry.file}:${w.entry.line}:${w.entry.col}: ${w.detail}`;
}

/** Throws a `ConfigError` at the entry's key: `file:line:col: invalid value for "key": ...`. */
export function invalid(entry: ConfEntry, detail: string): never {
  throw new ConfigError(
    entry.file,
    entry.line,
    entry.col,
    `invalid value for ${JSON.stringify(entry.key)}: ${detail}`,
    entry.key,
  );
}

export function unknownField(entry: ConfEntry): never {
  throw new ConfigError(
    entry.file,
    entry.line,
    entry.col,
    `unknown field ${JSON.stringify(entry.key)}`,
    entry.key,
  );
}

function got(node: ConfNode): string {
  const kind = describeKind(node);
  if (node.kind === "string") return `${kind} (${JSON.stringify(node.value)})`;
  if (node.kind === "map" || node.kind === "array") return kind;
  return `${kind} (${String(node.value)})`;
}

export function wantString(entry: ConfEntry): string {
  const n = entry.node;
  if (n.kind !== "string") invalid(entry, `expected a string, got ${got(n)}`);
  return n.value;
}

export function wantBool(entry: ConfEntry): boolean {
  const n = entry.node;
  if (n.kind !== "bool") invalid(entry, `expected a boolean, got ${got(n)}`);
  return n.value;
}

export function wantInt(entry: ConfEntry, min = -Infinity, max = Infinity): number {
  const n = entry.node;
  if (n.kind !== "int") invalid(entry, `expected an integer, got ${got(n)}`);
  if (n.value < min) invalid(entry, `${n.value} is below the minimum of ${min}`);
  if (n.value > max) invalid(entry, `${n.value} is above the maximum of ${max}`);
  return n.value;
}

export function wantMap(entry: ConfEntry): ConfMap {
  const n = entry.node;
  if (n.kind !== "map") invalid(entry, `expected a map, got ${got(n)}`);
  return n.value;
}

export function wantArray(entry: ConfEntry): ConfNode[] {
  const n = entry.node;
  if (n.kind !== "array") invalid(entry, `expected an array, got ${got(n)}`);
  return n.value;
}

/** A port number: -1 (pick a free one) to 65535. */
export function wantPort(entry: ConfEntry): number {
  return wantInt(entry, -1, 65535);
}

function durationOf(entry: ConfEntry, text: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    invalid(entry, (e as Error).message);
  }
}

/**
 * A Go duration string, in milliseconds. With `warnings`, a bare integer is accepted as seconds
 * plus a warning (nats-server does this for `ping_interval` and `write_deadline`, and `-t`
 * rejects it); without, a bare integer is an error.
 */
export function wantDuration(entry: ConfEntry, warnings?: ConfWarning[]): number {
  const n = entry.node;
  if (n.kind === "string") return durationOf(entry, n.value);
  if (n.kind === "int" && warnings) {
    warnings.push({
      entry,
      detail: `${JSON.stringify(entry.key)} should be a duration string such as "${n.value}s"; ` +
        `${n.value} is read as seconds`,
    });
    return n.value * 1000;
  }
  invalid(entry, `expected a duration string such as "30s" or "2m", got ${got(n)}`);
}

/** Seconds as a number (int or float) or a duration string, in milliseconds. */
export function wantSecondsOrDuration(entry: ConfEntry): number {
  const n = entry.node;
  if (n.kind === "int" || n.kind === "float") return n.value * 1000;
  if (n.kind === "string") return durationOf(entry, n.value);
  invalid(entry, `expected seconds or a duration string, got ${got(n)}`);
}

/**
 * Go's `net.SplitHostPort` plus a port: `host:port`, `[::1]:port`, `:port`. A bare integer is a
 * port alone. The host may be "" (all interfaces).
 */
export function wantHostPort(entry: ConfEntry): { host: string; port: number } {
  const n = entry.node;
  if (n.kind === "int") return { host: "", port: wantPort(entry) };
  if (n.kind !== "string") invalid(entry, `expected "host:port" or a port, got ${got(n)}`);
  const text = n.value;
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") {
      invalid(entry, `could not parse address string ${JSON.stringify(text)}`);
    }
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) invalid(entry, `could not parse address string ${JSON.stringify(text)}`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(":")) {
      invalid(entry, `too many colons in address ${JSON.stringify(text)}; write [host]:port`);
    }
  }
  if (!/^-?[0-9]+$/.test(portText)) {
    invalid(entry, `could not parse port ${JSON.stringify(portText)}`);
  }
  const port = Number(portText);
  if (port < -1 || port > 65535) invalid(entry, `port ${port} is out of range -1..65535`);
  return { host, port };
}

const STORAGE_UNITS: Record<string, number> = {
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/**
 * A storage size: an integer (size suffixes already applied by the parser) or a string ending
 * in K, M, G or T (powers of 1024), as nats-server accepts for JetStream limits.
 */
export function wantStorageSize(entry: ConfEntry): number {
  const n = entry.node;
  if (n.kind === "int") return n.value;
  if (n.kind !== "string") invalid(entry, `expected a size such as 1G or "512M", got ${got(n)}`);
  const m = /^([0-9]+)([KMGT])$/.exec(n.value);
  if (!m) invalid(entry, `sizes written as strings must be digits ending in K, M, G or T`);
  return Number(m[1]) * STORAGE_UNITS[m[2]];
}
