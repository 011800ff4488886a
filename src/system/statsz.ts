/**
 * `statsz`: the server's load and traffic summary that `$SYS.REQ.SERVER.PING` (and `.STATSZ`)
 * answer and `$SYS.SERVER.<id>.STATSZ` publishes, as nats-server's `ServerStats`.
 */
import { rfc3339 } from "../monitor/format.ts";
import type { DataStats, MonitorSource } from "../monitor/source.ts";
import type { ServerInfo } from "./messages.ts";

export interface ServerStats {
  start: string;
  /** Resident set size, bytes. */
  mem: number;
  cores: number;
  /** Percent of one core. */
  cpu: number;
  connections: number;
  total_connections: number;
  /** Accounts with at least one connection. */
  active_accounts: number;
  subscriptions: number;
  /** Messages the server delivered to connections. */
  sent: DataStats;
  /** Messages connections published. */
  received: DataStats;
  slow_consumers: number;
  /** Servers this one knows of, itself included (nats-server omits it when 0). */
  active_servers?: number;
}

/** nats-server's `ServerStatsMsg`: the payload sits under `statsz`, not `data`. */
export interface ServerStatsMsg {
  server: ServerInfo;
  statsz: ServerStats;
}

export function statsz(src: MonitorSource): ServerStats {
  const usage = src.processUsage();
  const stats = src.stats;
  let subscriptions = 0;
  let active = 0;
  for (const a of src.monitorAccounts()) {
    subscriptions += a.sublistStats().numSubscriptions;
    if (a.clientConnections + a.leafConnections > 0) active++;
  }
  return {
    start: rfc3339(src.startedAt.getTime()),
    mem: usage.rss,
    cores: usage.cores,
    cpu: usage.cpu,
    connections: src.numConnections(),
    total_connections: src.totalConnections,
    active_accounts: active,
    subscriptions,
    sent: { msgs: stats.outMsgs, bytes: stats.outBytes },
    received: { msgs: stats.inMsgs, bytes: stats.inBytes },
    slow_consumers: stats.slowConsumers,
    // No clustering yet: this server is the only one it knows.
    active_servers: 1,
  };
}
