/**
 * `/subsz` (alias `/subscriptionsz`): subscription-index statistics summed over accounts, and
 * optionally the subscriptions themselves, filtered by account and by a test subject, paged.
 */
import type { SublistStats } from "../subject/sublist.ts";
import { isValidLiteralSubject, matchSubject } from "../subject/subject.ts";
import { type SubDetail, subDetail } from "./connz.ts";
import { hiResNow, rfc3339 } from "./format.ts";
import { MonitorRequestError, queryBool, queryInt, type QueryParams } from "./query.ts";
import type { MonitorSource } from "./source.ts";

/** nats-server's `DefaultSubListSize`. */
export const DEFAULT_SUB_LIST_SIZE = 1024;

export interface SubszOptions {
  /** List the subscriptions, not only the statistics. */
  subs?: boolean;
  offset?: number;
  /** Default (and for values <= 0) 1024. */
  limit?: number;
  /** Only subscriptions a message published to this literal subject would reach. */
  test?: string;
  /** Only this account. */
  account?: string;
}

/** nats-server's `SublistStats` JSON. */
export interface SublistStatsJson {
  num_subscriptions: number;
  num_cache: number;
  num_inserts: number;
  num_removes: number;
  num_matches: number;
  cache_hit_rate: number;
  max_fanout: number;
  avg_fanout: number;
}

export interface Subsz extends SublistStatsJson {
  server_id: string;
  now: string;
  total: number;
  offset: number;
  limit: number;
  subscriptions_list?: SubDetail[];
}

export function parseSubszQuery(q: QueryParams): SubszOptions {
  const subs = queryBool(q, "subs");
  const offset = queryInt(q, "offset");
  const limit = queryInt(q, "limit");
  return { subs, offset, limit, test: q.get("test") ?? "", account: q.get("acc") ?? "" };
}

export function sublistStatsJson(s: SublistStats): SublistStatsJson {
  return {
    num_subscriptions: s.numSubscriptions,
    num_cache: s.numCache,
    num_inserts: s.numInserts,
    num_removes: s.numRemoves,
    num_matches: s.numMatches,
    cache_hit_rate: s.cacheHitRate,
    max_fanout: s.maxFanout,
    avg_fanout: s.avgFanout,
  };
}

/**
 * Sums several sublists' statistics. The hit rate and average fanout are weighted by the
 * matches and cached subjects they were measured over, so one busy account is not averaged
 * away by idle ones.
 */
export function sumSublistStats(list: readonly SublistStats[]): SublistStats {
  let hits = 0;
  let fanout = 0;
  const sum: SublistStats = {
    numSubscriptions: 0,
    numCache: 0,
    numInserts: 0,
    numRemoves: 0,
    numMatches: 0,
    cacheHitRate: 0,
    maxFanout: 0,
    avgFanout: 0,
  };
  for (const s of list) {
    sum.numSubscriptions += s.numSubscriptions;
    sum.numCache += s.numCache;
    sum.numInserts += s.numInserts;
    sum.numRemoves += s.numRemoves;
    sum.numMatches += s.numMatches;
    sum.maxFanout = Math.max(sum.maxFanout, s.maxFanout);
    hits += s.cacheHitRate * s.numMatches;
    fanout += s.avgFanout * s.numCache;
  }
  sum.cacheHitRate = sum.numMatches === 0 ? 0 : hits / sum.numMatches;
  sum.avgFanout = sum.numCache === 0 ? 0 : fanout / sum.numCache;
  return sum;
}

/**
 * The `/subsz` document. `total` counts every listed match before paging (nats-server 2.9
 * reports the page length there, which makes paging blind). Throws `MonitorRequestError` for a
 * test subject that is not a valid publish subject.
 */
export function subsz(src: MonitorSource, opts: SubszOptions = {}, now = hiResNow()): Subsz {
  const test = opts.test ?? "";
  if (test !== "" && !isValidLiteralSubject(test)) {
    throw new MonitorRequestError(`invalid test subject, must be valid publish subject: ${test}`);
  }
  const offset = Math.max(0, opts.offset ?? 0);
  const limit = (opts.limit ?? 0) > 0 ? opts.limit! : DEFAULT_SUB_LIST_SIZE;
  const accountFilter = opts.account ?? "";
  const accounts = src.monitorAccounts().filter((a) =>
    accountFilter === "" || a.name === accountFilter
  );
  const stats = sublistStatsJson(sumSublistStats(accounts.map((a) => a.sublistStats())));
  const doc: Subsz = { server_id: src.id, now: rfc3339(now), ...stats, total: 0, offset, limit };
  if (!opts.subs) return doc;

  const list: SubDetail[] = [];
  for (const a of accounts) {
    for (const s of a.subscriptions()) {
      if (test === "" || matchSubject(test, s.subject)) list.push(subDetail(s, a.name));
    }
  }
  list.sort(bySubscription);
  doc.total = list.length;
  doc.subscriptions_list = list.slice(
    Math.min(offset, list.length),
    Math.min(offset + limit, list.length),
  );
  return doc;
}

/**
 * What the HTTP endpoint sends: like nats-server, only the statistics when no subscription is
 * listed, the whole document otherwise.
 */
export function subszBody(doc: Subsz): Subsz | SublistStatsJson {
  if (doc.subscriptions_list !== undefined && doc.subscriptions_list.length > 0) return doc;
  return {
    num_subscriptions: doc.num_subscriptions,
    num_cache: doc.num_cache,
    num_inserts: doc.num_inserts,
    num_removes: doc.num_removes,
    num_matches: doc.num_matches,
    cache_hit_rate: doc.cache_hit_rate,
    max_fanout: doc.max_fanout,
    avg_fanout: doc.avg_fanout,
  };
}

/** A stable listing order for paging: account, connection, then sid (numerically when numbers). */
function bySubscription(a: SubDetail, b: SubDetail): number {
  const accA = a.account ?? "";
  const accB = b.account ?? "";
  if (accA !== accB) return accA < accB ? -1 : 1;
  if (a.cid !== b.cid) return a.cid - b.cid;
  return a.sid.localeCompare(b.sid, "en", { numeric: true });
}
