/**
 * The leaf node handshake as nats-server 2.9 speaks it (leafnode.go), probed against the
 * binary: the hub's INFO (non-zero `client_id`, non-empty `leafnode_urls`, `auth_required`,
 * `nonce`, `info_on_connect`), the leaf's CONNECT (never `lang`: that marks a client), and the
 * hub's second INFO (`connect_info`, `remote_account`). Also the loop-detection subject and the
 * texts of the leaf-specific errors (to move into protocol/errors.ts with the next edit there).
 */
import { COMPAT_NATS_VERSION, PROTOCOL_VERSION } from "../config/options.ts";

export const DEFAULT_LEAF_PORT = 7422;
/** Each account announces `$LDS.<random>` on its links; hearing your own back means a loop. */
export const LDS_PREFIX = "$LDS.";
/** nats-server: a solicited link that found a loop waits this long before reconnecting. */
export const LOOP_RECONNECT_DELAY_MS = 30_000;
/** How long a soliciting server waits for the hub's first INFO (DEFAULT_LEAFNODE_INFO_WAIT). */
export const LEAF_INFO_WAIT_MS = 2000;
/** How long it waits for the second INFO that completes the connect (connectProcessTimeout). */
export const LEAF_CONNECT_WAIT_MS = 2000;

/** nats-server's `-ERR` when a leaf sees its own loop-detection subject come back. */
export function loopDetectedText(account: string, delayMs: number): string {
  return `Loop detected for leafnode account=${JSON.stringify(account)}. ` +
    `Delaying attempt to reconnect for ${delayMs / 1000}s`;
}

/** nats-server's ErrConnectedToWrongPort: the INFO did not come from a leaf node port. */
export const WRONG_PORT_TEXT = "attempted to connect to wrong port";

/** The fields of a hub's INFO the soliciting side reads. */
export interface HubInfo {
  server_id?: string;
  server_name?: string;
  client_id?: number;
  headers?: boolean;
  nonce?: string;
  info_on_connect?: boolean;
  connect_info?: boolean;
  leafnode_urls?: string[] | null;
  remote_account?: string;
  max_payload?: number;
  cluster?: string;
  tls_required?: boolean;
}

/** The fields of a leaf's CONNECT the hub reads (nats-server's `leafConnectInfo`). */
export interface LeafConnectInfo {
  version?: string;
  user?: string;
  pass?: string;
  server_id?: string;
  name?: string;
  is_hub?: boolean;
  cluster?: string;
  headers?: boolean;
  deny_pub?: string[];
  remote_account?: string;
  /** Present only when a client, not a leaf, connected to the leaf port. */
  lang?: string;
  gateway?: string;
}

export interface HubInfoFields {
  serverId: string;
  serverName: string;
  host: string;
  port: number;
  maxPayload: number;
  /** `host:port` entries; never empty (a Go leaf treats an empty list as the wrong port). */
  leafnodeUrls: string[];
}

/** The hub's first INFO for connection `cid`, with the nonce the leaf may sign. */
export function hubInfoLine(f: HubInfoFields, cid: number, nonce: string): string {
  return `INFO ${
    JSON.stringify({
      ...hubInfoBase(f, cid),
      nonce,
      info_on_connect: true,
      leafnode_urls: f.leafnodeUrls,
    })
  } \r\n`;
}

/** The hub's INFO after a good CONNECT: tells the leaf which account it is bound to. */
export function hubConnectInfoLine(f: HubInfoFields, cid: number, account: string): string {
  return `INFO ${
    JSON.stringify({
      ...hubInfoBase(f, cid),
      info_on_connect: true,
      connect_info: true,
      leafnode_urls: f.leafnodeUrls,
      remote_account: account,
    })
  } \r\n`;
}

function hubInfoBase(f: HubInfoFields, cid: number): Record<string, unknown> {
  return {
    server_id: f.serverId,
    server_name: f.serverName,
    version: COMPAT_NATS_VERSION,
    proto: PROTOCOL_VERSION,
    host: f.host,
    port: f.port,
    headers: true,
    auth_required: true,
    max_payload: f.maxPayload,
    ip: hostPort(f.host, f.port),
    client_id: cid,
  };
}

export interface LeafConnectFields {
  serverId: string;
  serverName: string;
  user: string;
  pass: string;
  hub: boolean;
  denyImports: readonly string[];
  account: string;
}

/** The soliciting side's CONNECT: no `lang`, headers on, our account for the hub's logs. */
export function leafConnectLine(f: LeafConnectFields): string {
  const info: Record<string, unknown> = {
    version: COMPAT_NATS_VERSION,
    server_id: f.serverId,
    name: f.serverName,
    headers: true,
  };
  if (f.user !== "") info.user = f.user;
  if (f.pass !== "") info.pass = f.pass;
  if (f.hub) info.is_hub = true;
  if (f.denyImports.length > 0) info.deny_pub = f.denyImports;
  info.remote_account = f.account;
  return `CONNECT ${JSON.stringify(info)}\r\n`;
}

/** Parses an INFO or CONNECT body; null when it is not a JSON object. */
export function parseJsonObject<T>(json: string): T | null {
  try {
    const v = JSON.parse(json);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v as T : null;
  } catch {
    return null;
  }
}

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The sublist key nats-server uses for interest: `subject` or `subject queue`. */
export function interestKey(subject: string, queue: string | null): string {
  return queue === null ? subject : `${subject} ${queue}`;
}
