/**
 * What the monitoring data functions read from a server. `Server` implements `MonitorSource`;
 * tests and, later, `$SYS.REQ.SERVER.*` handlers pass their own. Everything here is a plain
 * snapshot or a cheap accessor: the data functions never hold on to it past one call.
 */
import type { Options } from "../config/options.ts";
import type { TrafficStats } from "../conn/host.ts";
import type { SublistStats } from "../subject/sublist.ts";

/** One subscription as `/connz` and `/subsz` report it. */
export interface SubSource {
  readonly subject: string;
  /** Queue group; null or "" for a plain subscription. */
  readonly queue: string | null;
  readonly sid: string;
  /** Messages delivered so far. */
  readonly msgs: number;
  /** Auto-unsubscribe limit; 0 means none. */
  readonly max: number;
  /** The owning connection. */
  readonly cid: number;
}

/** One open connection. Times are epoch milliseconds. */
export interface ConnSource {
  readonly cid: number;
  /** `Client`, later `Router`, `Leafnode`, ... (nats-server's `kindString`). */
  readonly kind: string;
  /** `nats`, later `websocket`, `mqtt` (nats-server's `clientTypeString`). */
  readonly type: string;
  readonly ip: string;
  readonly port: number;
  readonly start: number;
  readonly lastActivity: number;
  /** Round-trip time in milliseconds; 0 while unmeasured. */
  readonly rttMs: number;
  readonly pendingBytes: number;
  readonly inMsgs: number;
  readonly outMsgs: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly numSubs: number;
  readonly name: string;
  readonly lang: string;
  readonly version: string;
  /** The authenticated user as `/connz?auth=true` shows it; "" when none. */
  readonly user: string;
  readonly account: string;
  /** Built only when asked for (`subs=true|detail`), so listing stays cheap. */
  subs(): readonly SubSource[];
}

/** A closed connection as the closed-connections ring keeps it (see `closedConnRecord`). */
export interface ClosedConn extends Omit<ConnSource, "subs"> {
  /** Epoch milliseconds. */
  readonly stop: number;
  /** A `CloseReason` text. */
  readonly reason: string;
  /** The subscriptions the connection had when it closed. */
  readonly subs: readonly SubSource[];
}

/** Message and byte counts in one direction (nats-server's `DataStats`). */
export interface DataStats {
  readonly msgs: number;
  readonly bytes: number;
}

export interface AccountSource {
  readonly name: string;
  readonly isSystem: boolean;
  /** Epoch milliseconds of the account's last (re)configuration. */
  readonly updated: number;
  readonly jetstream: boolean;
  readonly clientConnections: number;
  readonly leafConnections: number;
  /** Messages delivered to this account's connections. */
  readonly sent: DataStats;
  /** Messages published by this account's connections. */
  readonly received: DataStats;
  readonly slowConsumers: number;
  sublistStats(): SublistStats;
  subscriptions(): Iterable<SubSource>;
}

/** One leaf node link as `/leafz` reports it. */
export interface LeafSource {
  /** The peer's server name. */
  readonly name: string;
  /** True when this server is the leaf (spoke) of the link. */
  readonly isSpoke: boolean;
  readonly account: string;
  readonly ip: string;
  readonly port: number;
  /** Round-trip time in milliseconds; 0 while unmeasured. */
  readonly rttMs: number;
  readonly inMsgs: number;
  readonly outMsgs: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly numSubs: number;
  /** The peer's interest (`subject` or `subject queue`), built only when asked for. */
  subs(): readonly string[];
}

export interface ProcessUsage {
  /** Resident set size in bytes. */
  readonly rss: number;
  /** Percent of one core, averaged over the last sampling window (can exceed 100). */
  readonly cpu: number;
  readonly cores: number;
}

export interface MonitorSource {
  /** JetStream totals, or null while JetStream is off. */
  jetstreamUsage(): JetStreamUsageView | null;
  readonly id: string;
  readonly name: string;
  readonly options: Options;
  readonly authRequired: boolean;
  readonly stats: TrafficStats;
  readonly totalConnections: number;
  readonly startedAt: Date;
  /** When the configuration was (re)loaded. */
  readonly configLoadedAt: Date;
  /** The client and monitoring ports actually bound (a configured -1 or 0 becomes the real port). */
  readonly boundPorts: { readonly client: number; readonly http: number };
  /** The runtime the server runs on, e.g. `deno 2.1.4`. */
  readonly runtime: string;
  /** Name of the system account; "" when there is none. */
  readonly systemAccount: string;
  /** Requests served per monitoring path (`/varz`, `/connz`, ...). */
  readonly httpReqStats: ReadonlyMap<string, number>;
  numConnections(): number;
  monitorConnections(): Iterable<ConnSource>;
  /** Recently closed connections, oldest first. */
  closedConnections(): readonly ClosedConn[];
  monitorAccounts(): readonly AccountSource[];
  processUsage(): ProcessUsage;
  /** Counts one request to a monitoring path. */
  noteHttpRequest(path: string): void;
  /** Leaf node links whose handshake completed; absent means none. */
  monitorLeafs?(): readonly LeafSource[];
  /** The `/varz` `leaf` block (listen address, remotes); absent means `{}`. */
  leafVarz?(): Record<string, unknown>;
  /** Leaf links cut as slow consumers. */
  leafSlowConsumers?(): number;
}

/** What /jsz and /varz report of JetStream (the server's JetStream totals). */
export interface JetStreamUsageView {
  readonly storeDir: string;
  readonly maxMemory: number;
  readonly maxStore: number;
  readonly memory: number;
  readonly storage: number;
  readonly accounts: number;
  readonly streams: number;
  readonly consumers: number;
  readonly messages: number;
  readonly bytes: number;
  readonly apiTotal: number;
  readonly apiErrors: number;
}
