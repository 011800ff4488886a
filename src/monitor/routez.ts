/**
 * `/routez`: cluster routes. Skiff has no clustering yet, so the document is nats-server's
 * shape with no routes; the options are still checked so bad arguments fail the same way.
 */
import { hiResNow, rfc3339 } from "./format.ts";
import { type QueryParams, querySubs } from "./query.ts";
import type { MonitorSource } from "./source.ts";

export interface RoutezOptions {
  subs?: boolean;
  subsDetail?: boolean;
}

/** nats-server's `RouteInfo`, filled in once routes exist. */
export interface RouteInfo {
  rid: number;
  remote_id: string;
  did_solicit: boolean;
  is_configured: boolean;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  rtt?: string;
  uptime: string;
  idle: string;
  pending_size: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

export interface Routez {
  server_id: string;
  server_name: string;
  now: string;
  num_routes: number;
  routes: RouteInfo[];
}

export function parseRoutezQuery(q: QueryParams): RoutezOptions {
  const { subs, detail } = querySubs(q);
  return { subs, subsDetail: detail };
}

export function routez(src: MonitorSource, _opts: RoutezOptions = {}, now = hiResNow()): Routez {
  return { server_id: src.id, server_name: src.name, now: rfc3339(now), num_routes: 0, routes: [] };
}
