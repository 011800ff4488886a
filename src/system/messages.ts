/**
 * The JSON of system events and request replies, with nats-server 2.9's field names, order
 * and omissions (`ServerInfo`, `ClientInfo`, `ConnectEventMsg`, `DisconnectEventMsg`,
 * `AccountNumConns`, `ServerAPIResponse`). Pure builders: the caller supplies times and ids.
 */
import { rfc3339 } from "../monitor/format.ts";
import type { ConnSource, DataStats } from "../monitor/source.ts";

export const CONNECT_EVENT_TYPE = "io.nats.server.advisory.v1.client_connect";
export const DISCONNECT_EVENT_TYPE = "io.nats.server.advisory.v1.client_disconnect";
export const ACCOUNT_CONNS_EVENT_TYPE = "io.nats.server.advisory.v1.account_connections";

/** Identifies the sending server in every event and reply (`seq` counts its messages). */
export interface ServerInfo {
  name: string;
  host: string;
  id: string;
  cluster?: string;
  domain?: string;
  ver: string;
  tags?: string[];
  seq: number;
  jetstream: boolean;
  time: string;
}

export interface ClientInfo {
  start?: string;
  host?: string;
  id?: number;
  acc: string;
  user?: string;
  name?: string;
  lang?: string;
  ver?: string;
  /** Nanoseconds (Go's `time.Duration`). */
  rtt?: number;
  server?: string;
  stop?: string;
  kind?: string;
  client_type?: string;
}

export interface ConnectEventMsg {
  type: typeof CONNECT_EVENT_TYPE;
  id: string;
  timestamp: string;
  server: ServerInfo;
  client: ClientInfo;
}

export interface DisconnectEventMsg {
  type: typeof DISCONNECT_EVENT_TYPE;
  id: string;
  timestamp: string;
  server: ServerInfo;
  client: ClientInfo;
  /** What the client sent (the server's inbound count for it). */
  sent: DataStats;
  /** What the client received. */
  received: DataStats;
  reason: string;
}

export interface AccountNumConns {
  type: typeof ACCOUNT_CONNS_EVENT_TYPE;
  id: string;
  timestamp: string;
  server: ServerInfo;
  acc: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  sent: DataStats;
  received: DataStats;
  slow_consumers: number;
}

export interface ApiError {
  code: number;
  description: string;
}

/** A reply to `$SYS.REQ.SERVER.*`: `data` on success; `error` (400 bad request, 500 failed). */
export interface ServerApiResponse {
  server: ServerInfo;
  data?: unknown;
  error?: ApiError;
}

/**
 * `ClientInfo` of a connection. Connect events leave out the RTT (nats-server has not measured
 * it yet at that point); disconnect events add it with the stop time.
 */
export function clientInfo(c: ConnSource, stop?: number): ClientInfo {
  const info = { start: rfc3339(c.start) } as ClientInfo;
  if (c.ip !== "") info.host = c.ip;
  if (c.cid !== 0) info.id = c.cid;
  info.acc = c.account;
  if (c.user !== "") info.user = c.user;
  if (c.name !== "") info.name = c.name;
  if (c.lang !== "") info.lang = c.lang;
  if (c.version !== "") info.ver = c.version;
  if (stop !== undefined) {
    const rtt = Math.round(c.rttMs * 1_000_000);
    if (rtt > 0) info.rtt = rtt;
    info.stop = rfc3339(stop);
  }
  info.kind = c.kind;
  info.client_type = c.type;
  return info;
}

export function connectEvent(
  id: string,
  now: number,
  server: ServerInfo,
  c: ConnSource,
): ConnectEventMsg {
  return {
    type: CONNECT_EVENT_TYPE,
    id,
    timestamp: rfc3339(now),
    server,
    client: clientInfo(c),
  };
}

export function disconnectEvent(
  id: string,
  stop: number,
  server: ServerInfo,
  c: ConnSource,
  reason: string,
): DisconnectEventMsg {
  return {
    type: DISCONNECT_EVENT_TYPE,
    id,
    timestamp: rfc3339(stop),
    server,
    client: clientInfo(c, stop),
    sent: { msgs: c.inMsgs, bytes: c.inBytes },
    received: { msgs: c.outMsgs, bytes: c.outBytes },
    reason,
  };
}

export interface AccountConnCounts {
  readonly name: string;
  readonly clientConnections: number;
  readonly leafConnections: number;
  readonly sent: DataStats;
  readonly received: DataStats;
  readonly slowConsumers: number;
}

export function accountConnsEvent(
  id: string,
  now: number,
  server: ServerInfo,
  a: AccountConnCounts,
): AccountNumConns {
  return {
    type: ACCOUNT_CONNS_EVENT_TYPE,
    id,
    timestamp: rfc3339(now),
    server,
    acc: a.name,
    conns: a.clientConnections,
    leafnodes: a.leafConnections,
    total_conns: a.clientConnections + a.leafConnections,
    sent: { msgs: a.sent.msgs, bytes: a.sent.bytes },
    received: { msgs: a.received.msgs, bytes: a.received.bytes },
    slow_consumers: a.slowConsumers,
  };
}
