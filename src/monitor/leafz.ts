/**
 * `/leafz`: leaf node links, with nats-server's `LeafInfo` field names (2.10's, which add
 * `name` and `is_spoke` to 2.9's). `?subs=1` lists each link's subscriptions (the peer's
 * interest), `?acc=NAME` keeps one account's links. With no links the list is empty (where
 * nats-server, for want of any leaf, writes `null`).
 */
import { hiResNow, rfc3339, rttString } from "./format.ts";
import { queryBool, type QueryParams } from "./query.ts";
import type { MonitorSource } from "./source.ts";

export interface LeafzOptions {
  subs?: boolean;
  account?: string;
}

/** nats-server's `LeafInfo`. */
export interface LeafInfo {
  name: string;
  is_spoke: boolean;
  account: string;
  ip: string;
  port: number;
  rtt?: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

export interface Leafz {
  server_id: string;
  now: string;
  leafnodes: number;
  leafs: LeafInfo[];
}

export function parseLeafzQuery(q: QueryParams): LeafzOptions {
  return { subs: queryBool(q, "subs"), account: q.get("acc") ?? "" };
}

export function leafz(src: MonitorSource, opts: LeafzOptions = {}, now = hiResNow()): Leafz {
  const leafs: LeafInfo[] = [];
  for (const l of src.monitorLeafs?.() ?? []) {
    if (opts.account && l.account !== opts.account) continue;
    const info: LeafInfo = {
      name: l.name,
      is_spoke: l.isSpoke,
      account: l.account,
      ip: l.ip,
      port: l.port,
      rtt: rttString(l.rttMs),
      in_msgs: l.inMsgs,
      out_msgs: l.outMsgs,
      in_bytes: l.inBytes,
      out_bytes: l.outBytes,
      subscriptions: l.numSubs,
    };
    if (opts.subs) info.subscriptions_list = [...l.subs()];
    leafs.push(info);
  }
  return { server_id: src.id, now: rfc3339(now), leafnodes: leafs.length, leafs };
}
