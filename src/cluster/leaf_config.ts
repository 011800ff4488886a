/**
 * Reads the `leafnodes {}` block of the config tree, as nats-server 2.9 reads it: the accept
 * side (`listen`/`host`/`port`, `advertise`, `no_advertise`, `authorization`) and the solicit
 * side (`remotes`, `reconnect`). Every error names file:line:col and the key; the verdicts
 * (unknown fields, a single user next to a users list, duplicate users, url types) were probed
 * against `nats-server -t`. Unlike nats-server, an account a remote or user names must exist
 * (nats-server finds out only at start-up), and TLS, websocket and credentials options are
 * refused rather than ignored: Skiff does not speak them on leaf links yet.
 */
import type { ConfEntry, ConfMap, ConfNode } from "../config/conf_types.ts";
import {
  invalid,
  unknownField,
  wantArray,
  wantBool,
  wantHostPort,
  wantMap,
  wantPort,
  wantSecondsOrDuration,
  wantString,
} from "../config/conf_values.ts";
import { ConfigError } from "../config/errors.ts";
import { isValidSubject } from "../subject/subject.ts";
import { DEFAULT_LEAF_PORT } from "./leaf_protocol.ts";

/** nats-server's default `leafnodes.reconnect` interval. */
export const DEFAULT_LEAF_RECONNECT_MS = 1000;
/** nats-server's default leaf `authorization.timeout` (AUTH_TIMEOUT). */
export const DEFAULT_LEAF_AUTH_TIMEOUT_MS = 2000;

export interface LeafUser {
  readonly user: string;
  /** Plain text or a bcrypt hash. */
  readonly password: string;
  /** The account the user binds to; null means the global account. */
  readonly account: string | null;
}

export interface LeafAuthConfig {
  /** Single user ("" when unset). */
  readonly user: string;
  readonly password: string;
  /** Account for the single user, or for leafs that connect without credentials. */
  readonly account: string | null;
  readonly users: readonly LeafUser[];
  readonly timeoutMs: number;
}

export interface RemoteUrl {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly pass: string;
}

export interface LeafRemoteConfig {
  readonly urls: readonly RemoteUrl[];
  /** The local account the link binds to. */
  readonly account: string;
  /** Subjects this server does not want from the hub (not subscribed, dropped if sent). */
  readonly denyImports: readonly string[];
  /** Subjects this server does not send to the hub. */
  readonly denyExports: readonly string[];
  /** `hub: true`: this server is the hub of the link although it solicits it. */
  readonly hub: boolean;
  /** `no_randomize`: try the URLs in the configured order. */
  readonly noRandomize: boolean;
}

export interface LeafNodeConfig {
  /** Null when no leaf listener is configured (no `port`/`listen`); port 0 picks a free one. */
  readonly listen: { readonly host: string; readonly port: number } | null;
  readonly advertise: string;
  readonly noAdvertise: boolean;
  readonly auth: LeafAuthConfig;
  readonly remotes: readonly LeafRemoteConfig[];
  readonly reconnectMs: number;
}

/** Case-insensitive lookup, as nats-server matches config keys. */
function entryOf(map: ConfMap, key: string): ConfEntry | undefined {
  for (const e of map.values()) if (e.key.toLowerCase() === key) return e;
  return undefined;
}

function asEntry(node: ConfNode, key: string): ConfEntry {
  return { key, node, file: node.file, line: node.line, col: node.col, referenced: false };
}

function eachKnown(map: ConfMap, handlers: Record<string, (e: ConfEntry) => void>): void {
  for (const entry of map.values()) {
    const handler = handlers[entry.key.toLowerCase()];
    if (handler) handler(entry);
    else if (!entry.referenced) unknownField(entry);
  }
}

function notSupported(what: string): (e: ConfEntry) => never {
  return (e) => invalid(e, `${what} is not supported on leaf node links yet`);
}

/**
 * The leaf node configuration, or null when there is no `leafnodes` block. `accountExists`
 * checks the accounts remotes and users name (the global account always exists).
 */
export function readLeafNodeConfig(
  root: ConfMap | null,
  accountExists: (name: string) => boolean,
): LeafNodeConfig | null {
  const block = root === null ? undefined : entryOf(root, "leafnodes") ?? entryOf(root, "leaf");
  if (block === undefined) return null;
  if (block.node.kind !== "map") {
    invalid(block, `expected a map to define a leafnode, got ${block.node.kind}`);
  }
  let host = "0.0.0.0";
  let port: number | null = null;
  let advertise = "";
  let noAdvertise = false;
  let auth: LeafAuthConfig = {
    user: "",
    password: "",
    account: null,
    users: [],
    timeoutMs: DEFAULT_LEAF_AUTH_TIMEOUT_MS,
  };
  let remotes: LeafRemoteConfig[] = [];
  let reconnectMs = DEFAULT_LEAF_RECONNECT_MS;
  const checkAccount = (e: ConfEntry, name: string) => {
    if (!accountExists(name)) {
      invalid(e, `cannot find local account ${JSON.stringify(name)} specified in leafnode`);
    }
  };
  eachKnown(wantMap(block), {
    listen: (e) => {
      const hp = wantHostPort(e);
      if (hp.host !== "") host = hp.host;
      port = hp.port;
    },
    port: (e) => (port = wantPort(e)),
    host: (e) => (host = wantString(e)),
    net: (e) => (host = wantString(e)),
    advertise: (e) => (advertise = wantString(e)),
    cluster_advertise: (e) => (advertise = wantString(e)),
    no_advertise: (e) => (noAdvertise = wantBool(e)),
    authorization: (e) => (auth = readAuthorization(e, checkAccount)),
    remotes: (e) => (remotes = readRemotes(e, checkAccount)),
    reconnect: (e) => (reconnectMs = readReconnect(e)),
    reconnect_delay: (e) => (reconnectMs = readReconnect(e)),
    reconnect_interval: (e) => (reconnectMs = readReconnect(e)),
    tls: notSupported("TLS"),
    compression: notSupported("compression"),
  });
  // As in nats-server, port 0 (or none) means no leaf listener; -1 picks a free port.
  const listen = port === null || port === 0 ? null : { host, port: port === -1 ? 0 : port };
  return { listen, advertise, noAdvertise, auth, remotes, reconnectMs };
}

/** nats-server 2.9 takes whole seconds here; a duration string is accepted too. */
function readReconnect(e: ConfEntry): number {
  const ms = wantSecondsOrDuration(e);
  if (ms <= 0) invalid(e, "must be a positive interval");
  return ms;
}

function readAuthorization(
  entry: ConfEntry,
  checkAccount: (e: ConfEntry, name: string) => void,
): LeafAuthConfig {
  let user = "";
  let password = "";
  let account: string | null = null;
  let timeoutMs = DEFAULT_LEAF_AUTH_TIMEOUT_MS;
  let users: LeafUser[] = [];
  let usersEntry: ConfEntry | null = null;
  eachKnown(wantMap(entry), {
    user: (e) => (user = wantString(e)),
    username: (e) => (user = wantString(e)),
    pass: (e) => (password = wantString(e)),
    password: (e) => (password = wantString(e)),
    account: (e) => {
      account = wantString(e);
      checkAccount(e, account);
    },
    timeout: (e) => {
      timeoutMs = wantSecondsOrDuration(e);
      if (timeoutMs < 0) invalid(e, "must not be negative");
    },
    users: (e) => {
      usersEntry = e;
      users = wantArray(e).map((node) => readUser(asEntry(node, e.key), checkAccount));
    },
  });
  if (users.length > 0 && user !== "") {
    throw new ConfigError(
      entry.file,
      entry.line,
      entry.col,
      "can not have a single user/pass and a users array",
      entry.key,
    );
  }
  const seen = new Set<string>();
  for (const u of users) {
    if (seen.has(u.user)) {
      invalid(
        usersEntry!,
        `duplicate user ${JSON.stringify(u.user)} detected in leafnode authorization`,
      );
    }
    seen.add(u.user);
  }
  return { user, password, account, users, timeoutMs };
}

function readUser(entry: ConfEntry, checkAccount: (e: ConfEntry, name: string) => void): LeafUser {
  let user = "";
  let password = "";
  let account: string | null = null;
  eachKnown(wantMap(entry), {
    user: (e) => (user = wantString(e)),
    username: (e) => (user = wantString(e)),
    pass: (e) => (password = wantString(e)),
    password: (e) => (password = wantString(e)),
    account: (e) => {
      account = wantString(e);
      checkAccount(e, account);
    },
  });
  if (user === "") invalid(entry, "a leafnode user needs a user name");
  return { user, password, account };
}

function readRemotes(
  entry: ConfEntry,
  checkAccount: (e: ConfEntry, name: string) => void,
): LeafRemoteConfig[] {
  if (entry.node.kind !== "array") {
    invalid(entry, `expected remotes field to be an array, got ${entry.node.kind}`);
  }
  return wantArray(entry).map((node) => readRemote(asEntry(node, entry.key), checkAccount));
}

function readRemote(
  entry: ConfEntry,
  checkAccount: (e: ConfEntry, name: string) => void,
): LeafRemoteConfig {
  let urls: RemoteUrl[] = [];
  let account = "$G";
  let denyImports: string[] = [];
  let denyExports: string[] = [];
  let hub = false;
  let noRandomize = false;
  const urlList = (e: ConfEntry) => {
    const n = e.node;
    const texts = n.kind === "string" ? [n.value] : n.kind === "array"
      ? n.value.map((item) => {
        if (item.kind !== "string") invalid(e, "expected remote leafnode urls to be strings");
        return item.value;
      })
      : invalid(e, `expected remote leafnode url to be an array or string, got ${n.kind}`);
    urls = urls.concat(texts.map((t) => parseRemoteUrl(e, t)));
  };
  const local = (e: ConfEntry) => {
    account = wantString(e);
    checkAccount(e, account);
  };
  eachKnown(wantMap(entry), {
    url: urlList,
    urls: urlList,
    account: local,
    local: local,
    deny_imports: (e) => (denyImports = readSubjects(e)),
    deny_import: (e) => (denyImports = readSubjects(e)),
    deny_exports: (e) => (denyExports = readSubjects(e)),
    deny_export: (e) => (denyExports = readSubjects(e)),
    hub: (e) => (hub = wantBool(e)),
    no_randomize: (e) => (noRandomize = wantBool(e)),
    dont_randomize: (e) => (noRandomize = wantBool(e)),
    credentials: notSupported("credentials (JWT)"),
    nkey: notSupported("nkey"),
    tls: notSupported("TLS"),
    ws_compression: notSupported("websocket"),
    ws_no_masking: notSupported("websocket"),
    compression: notSupported("compression"),
  });
  if (urls.length === 0) invalid(entry, "a leafnode remote needs a url");
  return { urls, account, denyImports, denyExports, hub, noRandomize };
}

/** A subject or an array of subjects, as nats-server reads permissions. */
function readSubjects(e: ConfEntry): string[] {
  const n = e.node;
  const list = n.kind === "string" ? [n] : n.kind === "array" ? n.value : null;
  if (list === null) {
    invalid(e, `expected subject permissions to be a subject, or array of subjects, got ${n.kind}`);
  }
  return list.map((item) => {
    if (item.kind !== "string" || !isValidSubject(item.value)) {
      invalid(
        e,
        `invalid subject ${JSON.stringify(item.kind === "string" ? item.value : item.kind)}`,
      );
    }
    return item.value;
  });
}

/**
 * `nats-leaf://[user:pass@]host[:port]` (also `nats://` or any other plain scheme; the port
 * defaults to 7422). `tls://`, `ws://` and `wss://` need transports Skiff's leaf links lack.
 */
export function parseRemoteUrl(e: ConfEntry, text: string): RemoteUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    invalid(e, `error parsing leafnode url [${JSON.stringify(text)}]`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme === "tls" || scheme === "ws" || scheme === "wss") {
    invalid(e, `${scheme}:// leafnode urls are not supported yet`);
  }
  let host = url.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "") invalid(e, `error parsing leafnode url [${JSON.stringify(text)}]: no host`);
  const port = url.port === "" ? DEFAULT_LEAF_PORT : Number(url.port);
  return {
    host,
    port,
    user: decodeURIComponent(url.username),
    pass: decodeURIComponent(url.password),
  };
}

/** `host:port` for logs and monitoring; never the credentials. */
export function urlHostPort(u: { readonly host: string; readonly port: number }): string {
  return u.host.includes(":") ? `[${u.host}]:${u.port}` : `${u.host}:${u.port}`;
}
