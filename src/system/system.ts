/**
 * The system account's voice: an in-process client in the system account that publishes
 * server events (client connect/disconnect, account connection counts, auth errors, periodic
 * statsz, shutdown) and answers `$SYS.REQ.*` requests with the monitoring data functions.
 *
 * Work is queued and done in a microtask, never inside the delivery that triggered it: a
 * request is delivered while its publisher's read is being handled, and building a `/connz`
 * there would stall that path. Events are only built when someone in the system account (a
 * subscriber or an import bridge) would receive them. Like nats-server, the global account
 * `$G` has no connect/disconnect advisories.
 */
import type { Account } from "../accounts/account.ts";
import { GLOBAL_ACCOUNT } from "../accounts/account.ts";
import { COMPAT_NATS_VERSION } from "../config/options.ts";
import { CloseReason } from "../conn/close_reason.ts";
import { type InboundMsg, InternalClient } from "../conn/internal.ts";
import { hiResNow, rfc3339 } from "../monitor/format.ts";
import type { ConnSource, MonitorSource } from "../monitor/source.ts";
import { deliverToMatches } from "../pubsub/deliver.ts";
import { msgArgsOf } from "../pubsub/msg_args.ts";
import type { Logger } from "../server/logger.ts";
import { encodeUtf8 } from "../util/bytes.ts";
import { accountConnsEvent, connectEvent, disconnectEvent, type ServerInfo } from "./messages.ts";
import { Nuid } from "./nuid.ts";
import type { FilterTarget } from "./request_options.ts";
import {
  ACCOUNT_ENDPOINTS,
  endpointRequest,
  type Reply,
  SERVER_ENDPOINTS,
  statszRequest,
} from "./requests.ts";
import { statsz } from "./statsz.ts";
import {
  ACCOUNT_REQUEST_ACCOUNT_TOKEN,
  accountConnsSubjects,
  accountRequestSubject,
  authErrorEventSubject,
  connectEventSubject,
  disconnectEventSubject,
  SERVER_PING_SUBJECT,
  serverDirectSubject,
  serverPingSubject,
  shutdownEventSubject,
  statszEventSubject,
} from "./subjects.ts";

/** The first statsz heartbeat; each next one waits twice as long, up to the interval. */
export const STATSZ_FIRST_MS = 250;
/** nats-server's statsz heartbeat interval once it has backed off. */
export const STATSZ_INTERVAL_MS = 10_000;

/** What the system service needs from the server (`Server` implements it). */
export interface SystemHost extends MonitorSource {
  readonly logger: Logger;
  /** The current accounts: a reload that rebuilds them brings a new system account. */
  readonly accounts: { readonly system: Account };
  /** A fresh connection id for an in-process client. */
  nextClientId(): number;
  /** Whether JetStream runs (ServerInfo `jetstream`); false when absent. */
  readonly jetstreamEnabled?: boolean;
}

export interface SystemOptions {
  /** First statsz heartbeat delay in ms; 0 turns heartbeats off (unit tests). */
  statszFirstMs?: number;
  statszIntervalMs?: number;
}

export class SystemService {
  #host: SystemHost;
  #client: InternalClient | null = null;
  #seq = 0;
  #ids = new Nuid();
  #jobs: (() => void)[] = [];
  #flushQueued = false;
  #statszTimer: ReturnType<typeof setTimeout> | undefined;
  #statszDelay: number;
  #statszInterval: number;
  #stopped = false;

  constructor(host: SystemHost, opts: SystemOptions = {}) {
    this.#host = host;
    this.#statszDelay = opts.statszFirstMs ?? STATSZ_FIRST_MS;
    this.#statszInterval = opts.statszIntervalMs ?? STATSZ_INTERVAL_MS;
  }

  /** The system account the service currently lives in. */
  get account(): Account | null {
    return this.#client?.account ?? null;
  }

  /** Subscribes the request subjects and starts the statsz heartbeat. */
  start(): void {
    this.#bind();
    if (this.#statszDelay > 0) this.#armStatsz(this.#statszDelay);
  }

  /** Moves to the (new) system account after a reload rebuilt the accounts. */
  accountsChanged(): void {
    if (this.#stopped || this.#client === null) return;
    if (this.#client.account === this.#host.accounts.system) return;
    this.#client.close();
    this.#bind();
  }

  /** Publishes the shutdown event at once and stops; later hooks do nothing. */
  stop(): void {
    if (this.#stopped) return;
    clearTimeout(this.#statszTimer);
    this.#runJobs();
    // nats-server's shutdown event is just its ServerInfo.
    this.#publish(shutdownEventSubject(this.#host.id), "", (server) => server);
    this.#stopped = true;
    this.#client?.close();
    this.#client = null;
  }

  /** A client's CONNECT was accepted; `c` is a snapshot of it. */
  clientConnected(c: ConnSource): void {
    // nats-server's order: the account's new connection count, then the advisory.
    this.#enqueue(() => {
      this.#publishAccountConns(c.account);
      if (c.account === GLOBAL_ACCOUNT) return;
      this.#publish(
        connectEventSubject(c.account),
        "",
        (server) => connectEvent(this.#ids.next(), hiResNow(), server, c),
      );
    });
  }

  /**
   * A client closed. `connected`: its CONNECT had been accepted (only those were announced).
   * Failed authentications are reported on `$SYS.SERVER.<id>.CLIENT.AUTH.ERR` instead.
   */
  clientDisconnected(c: ConnSource, reason: string, stop: number, connected: boolean): void {
    if (reason === CloseReason.AuthenticationViolation) {
      this.#enqueue(() =>
        this.#publish(
          authErrorEventSubject(this.#host.id),
          "",
          (server) => disconnectEvent(this.#ids.next(), stop, server, c, reason),
        )
      );
      return;
    }
    if (!connected) return;
    this.#enqueue(() => {
      this.#publishAccountConns(c.account);
      if (c.account === GLOBAL_ACCOUNT) return;
      this.#publish(
        disconnectEventSubject(c.account),
        "",
        (server) => disconnectEvent(this.#ids.next(), stop, server, c, reason),
      );
    });
  }

  // ---- requests ----

  #bind(): void {
    const host = this.#host;
    const client = new InternalClient(host.nextClientId(), "SYSTEM", host.accounts.system);
    this.#client = client;
    const statszHandler = (msg: InboundMsg) =>
      this.#request(msg, () => statszRequest(host, this.#target(), msg.data));
    client.subscribe(SERVER_PING_SUBJECT, statszHandler);
    client.subscribe(serverPingSubject("STATSZ"), statszHandler);
    client.subscribe(serverDirectSubject(host.id, "STATSZ"), statszHandler);
    for (const [name, endpoint] of Object.entries(SERVER_ENDPOINTS)) {
      const handler = (msg: InboundMsg) =>
        this.#request(msg, () => endpointRequest(host, this.#target(), endpoint, msg.data));
      client.subscribe(serverPingSubject(name), handler);
      client.subscribe(serverDirectSubject(host.id, name), handler);
    }
    for (const [name, endpoint] of Object.entries(ACCOUNT_ENDPOINTS)) {
      client.subscribe(accountRequestSubject("*", name), (msg) => {
        const account = msg.subject.split(".")[ACCOUNT_REQUEST_ACCOUNT_TOKEN];
        this.#request(
          msg,
          () => endpointRequest(host, this.#target(), endpoint, msg.data, account),
        );
      });
    }
  }

  /** Queues the answer; `answer` decodes the body and returns null to stay silent. */
  #request(msg: InboundMsg, answer: () => Reply | null): void {
    if (msg.reply === "") return;
    const reply = msg.reply;
    this.#enqueue(() => {
      const build = answer();
      if (build !== null) this.#publish(reply, "", build);
    });
  }

  #target(): FilterTarget {
    const o = this.#host.options;
    return {
      name: this.#host.name,
      host: o.host,
      cluster: "",
      tags: [],
      domain: this.#host.jetstreamEnabled ? o.jetstreamDomain : "",
    };
  }

  // ---- events ----

  #publishAccountConns(account: string): void {
    for (const subject of accountConnsSubjects(account)) {
      this.#publish(subject, "", (server) => {
        const a = this.#host.monitorAccounts().find((x) => x.name === account);
        const counts = a ?? {
          name: account,
          clientConnections: 0,
          leafConnections: 0,
          sent: { msgs: 0, bytes: 0 },
          received: { msgs: 0, bytes: 0 },
          slowConsumers: 0,
        };
        return accountConnsEvent(this.#ids.next(), hiResNow(), server, counts);
      });
    }
  }

  #armStatsz(delay: number): void {
    this.#statszTimer = setTimeout(() => {
      if (this.#stopped) return;
      this.#publish(
        statszEventSubject(this.#host.id),
        "",
        (server) => ({ server, statsz: statsz(this.#host) }),
      );
      this.#armStatsz(Math.min(delay * 2, this.#statszInterval));
    }, delay);
  }

  // ---- sending ----

  #enqueue(job: () => void): void {
    if (this.#stopped) return;
    this.#jobs.push(job);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.#runJobs());
    }
  }

  #runJobs(): void {
    this.#flushQueued = false;
    const jobs = this.#jobs;
    this.#jobs = [];
    for (const job of jobs) {
      try {
        job();
      } catch (err) {
        this.#host.logger.error(`System account: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Publishes in the system account when anything there would receive it. `build` gets the
   * stamped ServerInfo; a string result is sent as is, anything else as JSON.
   */
  #publish(subject: string, reply: string, build: (server: ServerInfo) => unknown): void {
    const client = this.#client;
    if (client === null || this.#stopped) return;
    const result = client.account.sublist.match(subject);
    if (result.plain.length === 0 && result.queues.length === 0) return;
    const body = build(this.#serverInfo());
    const text = typeof body === "string" ? body : JSON.stringify(body);
    deliverToMatches(result, msgArgsOf(subject, reply || null, null, encodeUtf8(text)), null);
  }

  #serverInfo(): ServerInfo {
    const host = this.#host;
    const info: ServerInfo = {
      name: host.name,
      host: host.options.host,
      id: host.id,
      ver: COMPAT_NATS_VERSION,
      seq: ++this.#seq,
      jetstream: host.jetstreamEnabled ?? false,
      time: rfc3339(hiResNow()),
    };
    return info;
  }
}
