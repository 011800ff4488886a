/**
 * `/leafz`: leaf node connections. Until leaf nodes land the list is empty (an empty array
 * where nats-server, for want of any leaf, writes `null`).
 */
import { hiResNow, rfc3339 } from "./format.ts";
import { queryBool, type QueryParams } from "./query.ts";
import type { MonitorSource } from "./source.ts";

export interface LeafzOptions {
  subs?: boolean;
  account?: string;
}

/** nats-server's `LeafInfo`, filled in once leaf nodes exist. */
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

export function leafz(src: MonitorSource, _opts: LeafzOptions = {}, now = hiResNow()): Leafz {
  return { server_id: src.id, now: rfc3339(now), leafnodes: 0, leafs: [] };
}
