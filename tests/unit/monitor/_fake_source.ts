/** An in-memory `MonitorSource` for the monitoring data functions' tests. */
import { defaultOptions, type Options } from "../../../src/config/options.ts";
import type { TrafficStats } from "../../../src/conn/host.ts";
import type {
  AccountSource,
  ClosedConn,
  ConnSource,
  JetStreamUsageView,
  MonitorSource,
  ProcessUsage,
  SubSource,
} from "../../../src/monitor/source.ts";
import type { SublistStats } from "../../../src/subject/sublist.ts";

/** 2024-01-02T03:04:05Z, the fake clock's start. */
export const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

type ConnFields = Omit<ConnSource, "subs"> & { subList: SubSource[] };

/** A connection with defaults; `cid` and overrides as given. */
export function conn(cid: number, over: Partial<ConnFields> = {}): ConnSource {
  const f: ConnFields = {
    cid,
    kind: "Client",
    type: "nats",
    ip: "127.0.0.1",
    port: 40000 + cid,
    start: T0 + cid * 1000,
    lastActivity: T0 + cid * 1000,
    rttMs: 0,
    pendingBytes: 0,
    inMsgs: 0,
    outMsgs: 0,
    inBytes: 0,
    outBytes: 0,
    numSubs: 0,
    name: "",
    lang: "",
    version: "",
    user: "",
    account: "$G",
    subList: [],
    ...over,
  };
  const { subList, ...rest } = f;
  return { ...rest, numSubs: over.numSubs ?? subList.length, subs: () => subList };
}

export function sub(cid: number, subject: string, over: Partial<SubSource> = {}): SubSource {
  return { subject, queue: null, sid: "1", msgs: 0, max: 0, cid, ...over };
}

export function sublistStats(over: Partial<SublistStats> = {}): SublistStats {
  return {
    numSubscriptions: 0,
    numCache: 0,
    numInserts: 0,
    numRemoves: 0,
    numMatches: 0,
    cacheHitRate: 0,
    maxFanout: 0,
    avgFanout: 0,
    ...over,
  };
}

export function account(
  name: string,
  over: Partial<Omit<AccountSource, "sublistStats" | "subscriptions">> & {
    stats?: SublistStats;
    subs?: SubSource[];
  } = {},
): AccountSource {
  const { stats, subs, ...rest } = over;
  return {
    name,
    isSystem: false,
    updated: T0,
    jetstream: false,
    clientConnections: 0,
    leafConnections: 0,
    sent: { msgs: 0, bytes: 0 },
    received: { msgs: 0, bytes: 0 },
    slowConsumers: 0,
    ...rest,
    sublistStats: () => stats ?? sublistStats({ numSubscriptions: subs?.length ?? 0 }),
    subscriptions: () => subs ?? [],
  };
}

export class FakeSource implements MonitorSource {
  jetstream_: JetStreamUsageView | null = null;
  jetstreamUsage(): JetStreamUsageView | null {
    return this.jetstream_;
  }
  id = "NFAKESERVERID";
  name = "fake";
  options: Options = defaultOptions();
  authRequired = false;
  stats: TrafficStats = {
    inMsgs: 0,
    inBytes: 0,
    outMsgs: 0,
    outBytes: 0,
    slowConsumers: 0,
    staleConnections: 0,
  };
  totalConnections = 0;
  startedAt = new Date(T0);
  configLoadedAt = new Date(T0);
  boundPorts = { client: 4222, http: 8222 };
  runtime = "deno 2.0.0";
  systemAccount = "$SYS";
  httpReqStats = new Map<string, number>();
  usage: ProcessUsage = { rss: 1234567, cpu: 12.5, cores: 8 };
  conns: ConnSource[] = [];
  closed: ClosedConn[] = [];
  accounts: AccountSource[] = [account("$G"), account("$SYS", { isSystem: true })];

  numConnections(): number {
    return this.conns.length;
  }
  monitorConnections(): Iterable<ConnSource> {
    return this.conns;
  }
  closedConnections(): readonly ClosedConn[] {
    return this.closed;
  }
  monitorAccounts(): readonly AccountSource[] {
    return this.accounts;
  }
  processUsage(): ProcessUsage {
    return this.usage;
  }
  noteHttpRequest(path: string): void {
    this.httpReqStats.set(path, (this.httpReqStats.get(path) ?? 0) + 1);
  }
}
