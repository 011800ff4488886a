/**
 * `/accountz` (the account names, or one account's detail with `?acc=`) and `/accstatz`
 * (per-account connection and traffic counters), as nats-server's `Accountz` and `AccountStatz`.
 */
import { hiResNow, rfc3339 } from "./format.ts";
import { MonitorRequestError, queryBool, type QueryParams } from "./query.ts";
import type { AccountSource, DataStats, MonitorSource } from "./source.ts";
import { type SublistStatsJson, sublistStatsJson } from "./subsz.ts";

export interface AccountzOptions {
  /** Detail for this account; "" lists the account names. */
  account?: string;
}

export interface AccountInfo {
  account_name: string;
  update_time: string;
  is_system?: boolean;
  expired: boolean;
  complete: boolean;
  jetstream_enabled: boolean;
  leafnode_connections: number;
  client_connections: number;
  subscriptions: number;
  sublist_stats: SublistStatsJson;
}

export interface Accountz {
  server_id: string;
  now: string;
  system_account?: string;
  accounts?: string[];
  account_detail?: AccountInfo;
}

export function parseAccountzQuery(q: QueryParams): AccountzOptions {
  return { account: q.get("acc") ?? "" };
}

/** Throws `MonitorRequestError` for an account that does not exist. */
export function accountz(
  src: MonitorSource,
  opts: AccountzOptions = {},
  now = hiResNow(),
): Accountz {
  const doc: Accountz = { server_id: src.id, now: rfc3339(now) };
  if (src.systemAccount !== "") doc.system_account = src.systemAccount;
  const accounts = src.monitorAccounts();
  const name = opts.account ?? "";
  if (name === "") {
    doc.accounts = accounts.map((a) => a.name).sort();
    return doc;
  }
  const a = accounts.find((a) => a.name === name);
  if (a === undefined) throw new MonitorRequestError(`Account ${name} does not exist`);
  doc.account_detail = accountInfo(a);
  return doc;
}

function accountInfo(a: AccountSource): AccountInfo {
  const stats = a.sublistStats();
  const info = { account_name: a.name, update_time: rfc3339(a.updated) } as AccountInfo;
  if (a.isSystem) info.is_system = true;
  info.expired = false;
  info.complete = true;
  info.jetstream_enabled = a.jetstream;
  info.leafnode_connections = a.leafConnections;
  info.client_connections = a.clientConnections;
  info.subscriptions = stats.numSubscriptions;
  info.sublist_stats = sublistStatsJson(stats);
  return info;
}

export interface AccountStatzOptions {
  /** Only these accounts; empty means all. */
  accounts?: readonly string[];
  /** Include accounts without connections. */
  includeUnused?: boolean;
}

/** nats-server's `AccountStat` (with the 2.10+ `num_subscriptions`). */
export interface AccountStat {
  acc: string;
  conns: number;
  leafnodes: number;
  total_conns: number;
  num_subscriptions: number;
  sent: DataStats;
  received: DataStats;
  slow_consumers: number;
}

export interface AccountStatz {
  server_id: string;
  now: string;
  account_statz: AccountStat[];
}

export function parseAccountStatzQuery(q: QueryParams): AccountStatzOptions {
  return { includeUnused: queryBool(q, "unused") };
}

export function accountStatz(
  src: MonitorSource,
  opts: AccountStatzOptions = {},
  now = hiResNow(),
): AccountStatz {
  const only = opts.accounts ?? [];
  const list: AccountStat[] = [];
  for (const a of src.monitorAccounts()) {
    if (only.length > 0 && !only.includes(a.name)) continue;
    const conns = a.clientConnections + a.leafConnections;
    if (!opts.includeUnused && conns === 0) continue;
    list.push({
      acc: a.name,
      conns: a.clientConnections,
      leafnodes: a.leafConnections,
      total_conns: conns,
      num_subscriptions: a.sublistStats().numSubscriptions,
      sent: { msgs: a.sent.msgs, bytes: a.sent.bytes },
      received: { msgs: a.received.msgs, bytes: a.received.bytes },
      slow_consumers: a.slowConsumers,
    });
  }
  list.sort((x, y) => x.acc < y.acc ? -1 : x.acc > y.acc ? 1 : 0);
  return { server_id: src.id, now: rfc3339(now), account_statz: list };
}
