/**
 * `/connz`: open and recently closed connections, filtered, sorted and paged as nats-server's
 * `Connz()` does, rendered with its `ConnInfo` field names, order and omissions.
 */
import { GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { hiResNow, rfc3339, rttString, uptimeString } from "./format.ts";
import {
  type ConnState,
  MonitorRequestError,
  queryBool,
  queryInt,
  type QueryParams,
  queryState,
  querySubs,
  queryUint,
} from "./query.ts";
import type { ClosedConn, ConnSource, MonitorSource, SubSource } from "./source.ts";

/** nats-server's `DefaultConnListSize`. */
export const DEFAULT_CONN_LIST_SIZE = 1024;

/** Every sort key; all but cid, start, uptime and reason sort largest first. */
export const CONNZ_SORTS = [
  "cid",
  "start",
  "subs",
  "pending",
  "msgs_to",
  "msgs_from",
  "bytes_to",
  "bytes_from",
  "last",
  "idle",
  "uptime",
  "stop",
  "reason",
  "rtt",
] as const;
export type ConnzSort = typeof CONNZ_SORTS[number];

export interface ConnzOptions {
  /** Any string; an unknown one is refused by `connz()`. Default `cid`. */
  sort?: string;
  /** Include `authorized_user` and `account`. */
  auth?: boolean;
  /** Include `subscriptions_list`. */
  subs?: boolean;
  /** Include `subscriptions_list_detail` (wins over `subs`). */
  subsDetail?: boolean;
  offset?: number;
  /** Default (and for values <= 0) 1024. */
  limit?: number;
  /** Only this connection. */
  cid?: number;
  state?: ConnState;
  user?: string;
  account?: string;
}

export interface SubDetail {
  account?: string;
  subject: string;
  qgroup?: string;
  sid: string;
  msgs: number;
  max?: number;
  cid: number;
}

export interface ConnInfo {
  cid: number;
  kind: string;
  type: string;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  stop?: string;
  reason?: string;
  rtt?: string;
  uptime: string;
  idle: string;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  name?: string;
  lang?: string;
  version?: string;
  authorized_user?: string;
  account?: string;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
}

export interface Connz {
  server_id: string;
  now: string;
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  connections: ConnInfo[];
}

/** Reads `/connz` query parameters in nats-server's order, so the first bad one is reported. */
export function parseConnzQuery(q: QueryParams): ConnzOptions {
  const auth = queryBool(q, "auth");
  const { subs, detail } = querySubs(q);
  const offset = queryInt(q, "offset");
  const limit = queryInt(q, "limit");
  const cid = queryUint(q, "cid");
  const state = queryState(q);
  return {
    sort: q.get("sort") ?? "",
    auth,
    subs,
    subsDetail: detail,
    offset,
    limit,
    cid,
    state,
    user: q.get("user") ?? "",
    account: q.get("acc") ?? "",
  };
}

/** Snapshot of a connection at close, kept in the closed ring (subscriptions included). */
export function closedConnRecord(c: ConnSource, stop: number, reason: string): ClosedConn {
  return {
    cid: c.cid,
    kind: c.kind,
    type: c.type,
    ip: c.ip,
    port: c.port,
    start: c.start,
    lastActivity: c.lastActivity,
    stop,
    reason,
    rttMs: c.rttMs,
    pendingBytes: c.pendingBytes,
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    numSubs: c.numSubs,
    name: c.name,
    lang: c.lang,
    version: c.version,
    user: c.user,
    account: c.account,
    subs: c.subs().slice(),
  };
}

/** One connection, open or closed, with what sorting and rendering need. */
interface Row {
  readonly c: ConnSource | ClosedConn;
  /** Epoch ms; null while open. */
  readonly stop: number | null;
  readonly reason: string;
}

type Compare = (a: Row, b: Row, now: number) => number;

const end = (r: Row, now: number) => r.stop ?? now;
const desc = (f: (r: Row, now: number) => number): Compare => (a, b, now) => f(b, now) - f(a, now);

const COMPARATORS: Record<ConnzSort, Compare> = {
  cid: (a, b) => a.c.cid - b.c.cid,
  start: (a, b) => a.c.cid - b.c.cid,
  subs: desc((r) => r.c.numSubs),
  pending: desc((r) => r.c.pendingBytes),
  msgs_to: desc((r) => r.c.outMsgs),
  msgs_from: desc((r) => r.c.inMsgs),
  bytes_to: desc((r) => r.c.outBytes),
  bytes_from: desc((r) => r.c.inBytes),
  last: desc((r) => r.c.lastActivity),
  idle: desc((r, now) => end(r, now) - r.c.lastActivity),
  uptime: (a, b, now) => (end(a, now) - a.c.start) - (end(b, now) - b.c.start),
  stop: desc((r) => r.stop ?? 0),
  reason: (a, b) => a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0,
  rtt: desc((r) => r.c.rttMs),
};

function isSort(s: string): s is ConnzSort {
  return (CONNZ_SORTS as readonly string[]).includes(s);
}

/**
 * The `/connz` document. Throws `MonitorRequestError` for an unknown sort, or for sorting by
 * `stop`/`reason` outside `state=closed` (nats-server's rules and texts).
 */
export function connz(src: MonitorSource, opts: ConnzOptions = {}, now = hiResNow()): Connz {
  const sort = opts.sort || "cid";
  if (!isSort(sort)) throw new MonitorRequestError(`invalid sorting option: ${sort}`);
  const state = opts.state ?? "open";
  if ((sort === "stop" || sort === "reason") && state !== "closed") {
    throw new MonitorRequestError(`sort by ${sort} only valid on closed connections`);
  }
  const offset = Math.max(0, opts.offset ?? 0);
  const cid = opts.cid ?? 0;
  let limit = (opts.limit ?? 0) > 0 ? opts.limit! : DEFAULT_CONN_LIST_SIZE;
  if (cid > 0) limit = 1;
  const user = opts.user ?? "";
  const account = opts.account ?? "";
  const keep = (c: ConnSource | ClosedConn) =>
    (account === "" || c.account === account) && (user === "" || c.user === user);

  let rows: Row[] = [];
  if (state !== "closed") {
    for (const c of src.monitorConnections()) {
      if (keep(c)) rows.push({ c, stop: null, reason: "" });
    }
  }
  if (state !== "open") {
    for (const c of src.closedConnections()) {
      if (keep(c)) rows.push({ c, stop: c.stop, reason: c.reason });
    }
  }
  const total = rows.length;
  if (cid > 0) rows = rows.filter((r) => r.c.cid === cid).slice(0, 1);

  // Start from cid order so that ties in every other key list in cid order (the sort is stable).
  rows.sort((a, b) => a.c.cid - b.c.cid);
  if (sort !== "cid" && sort !== "start") {
    const compare = COMPARATORS[sort];
    rows.sort((a, b) => compare(a, b, now));
  }
  const page = rows.slice(Math.min(offset, rows.length), Math.min(offset + limit, rows.length));
  const render = {
    auth: opts.auth ?? false,
    subs: opts.subs ?? false,
    detail: opts.subsDetail ?? false,
  };
  return {
    server_id: src.id,
    now: rfc3339(now),
    num_connections: page.length,
    total,
    offset,
    limit,
    connections: page.map((r) => connInfo(r, now, render)),
  };
}

function connInfo(
  r: Row,
  now: number,
  o: { auth: boolean; subs: boolean; detail: boolean },
): ConnInfo {
  const c = r.c;
  const until = end(r, now);
  // Built field by field so that keys come out in nats-server's order, optional ones only
  // when set (its `omitempty`).
  const info = {
    cid: c.cid,
    kind: c.kind,
    type: c.type,
    ip: c.ip,
    port: c.port,
    start: rfc3339(c.start),
    last_activity: rfc3339(c.lastActivity),
  } as ConnInfo;
  if (r.stop !== null) info.stop = rfc3339(r.stop);
  if (r.reason !== "") info.reason = r.reason;
  info.rtt = rttString(c.rttMs);
  info.uptime = uptimeString(until - c.start);
  info.idle = uptimeString(until - c.lastActivity);
  info.pending_bytes = c.pendingBytes;
  info.in_msgs = c.inMsgs;
  info.out_msgs = c.outMsgs;
  info.in_bytes = c.inBytes;
  info.out_bytes = c.outBytes;
  info.subscriptions = c.numSubs;
  if (c.name !== "") info.name = c.name;
  if (c.lang !== "") info.lang = c.lang;
  if (c.version !== "") info.version = c.version;
  if (o.auth) {
    if (c.user !== "") info.authorized_user = c.user;
    if (c.account !== "" && c.account !== GLOBAL_ACCOUNT) info.account = c.account;
  }
  if ((o.detail || o.subs) && c.numSubs > 0) {
    const subs = typeof c.subs === "function" ? c.subs() : c.subs;
    if (subs.length > 0) {
      // nats-server names the account in a closed connection's details, not an open one's.
      const account = r.stop === null ? "" : c.account;
      if (o.detail) info.subscriptions_list_detail = subs.map((s) => subDetail(s, account));
      else info.subscriptions_list = subs.map((s) => s.subject);
    }
  }
  return info;
}

/**
 * nats-server's `SubDetail`. `/subsz` names the account; under a connection in `/connz` it is
 * left out.
 */
export function subDetail(s: SubSource, account = ""): SubDetail {
  const d =
    (account === "" ? { subject: s.subject } : { account, subject: s.subject }) as SubDetail;
  if (s.queue) d.qgroup = s.queue;
  d.sid = s.sid;
  d.msgs = s.msgs;
  if (s.max > 0) d.max = s.max;
  d.cid = s.cid;
  return d;
}
