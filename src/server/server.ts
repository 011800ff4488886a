/**
 * The server: composes the listener, the accounts and the client connections, owns the
 * per-turn flush scheduler, and runs the lifecycle from start to a graceful shutdown.
 */
import type { HttpServer, Listener, Platform } from "../platform/types.ts";
import type { Options } from "../config/options.ts";
import { COMPAT_NATS_VERSION, SKIFF_VERSION } from "../config/options.ts";
import type { Account } from "../accounts/account.ts";
import { Accounts } from "../accounts/registry.ts";
import { readAccountsConfig } from "../accounts/config.ts";
import { ClientConnection } from "../conn/client.ts";
import type { ClientHost, TrafficStats } from "../conn/host.ts";
import type { ConnectOptions } from "../conn/connect_options.ts";
import { CloseReason } from "../conn/close_reason.ts";
import { ERR_MAX_CONNECTIONS, errLine } from "../protocol/errors.ts";
import { newServerId } from "../util/nkey.ts";
import { encodeUtf8 } from "../util/bytes.ts";
import {
  type AccountSource,
  accountViews,
  clientConnSource,
  type ClosedConn,
  type ConnSource,
  logicalCores,
  type MonitorSource,
  MonitorState,
  platformCpuClock,
  type ProcessUsage,
} from "../monitor/mod.ts";
import { SystemService } from "../system/mod.ts";
import { Logger } from "./logger.ts";
import type { JetStream, JetStreamUsage } from "../jetstream/jetstream.ts";
import { InternalClient } from "../conn/internal.ts";
import { FlushScheduler } from "../conn/flush_scheduler.ts";
import { DEFAULT_STORE_DIR } from "../config/options.ts";
import { buildInfoPrefix, clientInfoLine } from "./info.ts";
import { Authenticator, newNonce } from "../auth/mod.ts";
import { type LeafLinkView, LeafNodes, readLeafNodeConfig } from "../cluster/mod.ts";

/** How long shutdown waits for clients' queued bytes to go out. */
const SHUTDOWN_FLUSH_MS = 2000;

export class Server implements ClientHost, MonitorSource {
  readonly id: string = newServerId();
  readonly name: string;
  readonly options: Options;
  readonly platform: Platform;
  readonly logger: Logger;
  readonly stats: TrafficStats = {
    inMsgs: 0,
    inBytes: 0,
    outMsgs: 0,
    outBytes: 0,
    slowConsumers: 0,
    staleConnections: 0,
  };
  accounts: Accounts;
  auth: Authenticator;
  readonly startedAt = new Date();
  readonly clients = new Map<number, ClientConnection>();
  totalConnections = 0;
  /** When the configuration was last (re)loaded (`/varz` `config_load_time`). */
  configLoadedAt = new Date();

  /** Null while JetStream is off. */
  jetstream: JetStream | null = null;
  #listener: Listener | null = null;
  #http: HttpServer | null = null;
  /** Leaf node listener, remotes and links; null without a `leafnodes` block. */
  #leafs: LeafNodes | null;
  #monitor: MonitorState;
  #system: SystemService;
  #infoPrefix = "";
  #nextCid = 1;
  /** One write per touched connection per event-loop turn, for clients and leaf links alike. */
  readonly #flushes = new FlushScheduler();
  #shuttingDown = false;
  #shutdownStarted = false;
  #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(options: Options, platform: Platform, logger?: Logger) {
    this.options = options;
    this.platform = platform;
    this.name = options.serverName || this.id;
    this.logger = logger ?? new Logger({
      pid: platform.pid,
      debug: options.debug,
      trace: options.trace,
      logtime: options.logtime,
      write: (line) => platform.writeStderr(line),
    });
    this.#done = new Promise((resolve) => this.#resolveDone = resolve);
    this.#monitor = new MonitorState(platformCpuClock(platform));
    // Throws ConfigError for a bad accounts/mappings block.
    this.accounts = new Accounts(readAccountsConfig(options.rawConfig));
    this.auth = Authenticator.fromOptions(options);
    this.#system = new SystemService(this);
    // Throws ConfigError for a bad leafnodes block.
    this.#leafs = this.#createLeafNodes();
  }

  /** Whether JetStream runs (system events report it in their server info). */
  jetstreamUsage(): JetStreamUsage | null {
    return this.jetstream?.usage() ?? null;
  }

  get jetstreamEnabled(): boolean {
    return this.jetstream !== null;
  }

  /** `$G`: the account of clients that do not name one. */
  get globalAccount(): Account {
    return this.accounts.global;
  }

  get authRequired(): boolean {
    return this.auth.required;
  }

  /** The address clients connect to, once listening. */
  get addr(): { hostname: string; port: number } {
    if (this.#listener === null) throw new Error("server is not listening");
    return this.#listener.addr;
  }

  /** Resolves when the server has shut down. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Opens every JetStream account's streams before clients can connect. */
  async #startJetStream(): Promise<void> {
    const o = this.options;
    const storeDir = o.storeDir || DEFAULT_STORE_DIR;
    this.logger.info("Starting JetStream");
    this.logger.info(`  Store directory: "${storeDir}/jetstream"`);
    this.logger.info(
      o.jetstreamSyncIntervalMs > 0
        ? `  Sync: every ${o.jetstreamSyncIntervalMs}ms (lazy: acknowledged writes can be lost on power failure)`
        : "  Sync: always (a publish is acknowledged after fsync)",
    );
    // JetStream's code is loaded only when it is enabled.
    const { JetStream } = await import("../jetstream/jetstream.ts");
    const { JETSTREAM_EXTENSIONS } = await import("../jetstream/extensions.ts");
    const js = new JetStream({
      fs: this.platform.fs,
      storeDir,
      maxMemory: o.jetstreamMaxMemory,
      maxStore: o.jetstreamMaxStore,
      syncIntervalMs: o.jetstreamSyncIntervalMs,
      serverName: this.name,
      log: this.logger,
      newClient: (name, account) => new InternalClient(this.nextClientId(), name, account),
    });
    for (const extend of JETSTREAM_EXTENSIONS) js.extendApi(extend);
    this.jetstream = js;
    for (const account of this.accounts.all()) {
      if (account.isSystem) continue;
      if (account.jetstream) await js.enable(account);
      else js.refuse(account);
    }
    this.logger.info("JetStream started");
  }

  async start(): Promise<void> {
    const o = this.options;
    const log = this.logger;
    log.info(`Starting skiff`);
    log.info(`  Version:  ${SKIFF_VERSION} (nats-server ${COMPAT_NATS_VERSION} compatible)`);
    log.info(`  Runtime:  ${this.platform.runtime} ${this.platform.runtimeVersion}`);
    log.info(`  Name:     ${this.name}`);
    log.info(`  ID:       ${this.id}`);
    // Like nats-server, monitoring comes up before the client listener.
    if (o.httpPort !== 0) {
      this.#http = await this.platform.serveHttp(
        o.httpHost,
        o.httpPort,
        // Loaded only when monitoring is on: hono stays out of a plain server's memory.
        (await import("../monitor/app.ts")).createMonitorApp(this).fetch,
      );
      log.info(`Starting http monitor on ${hostPort(o.httpHost, this.#http.addr.port)}`);
    }
    if (o.jetstream) await this.#startJetStream();
    // Like nats-server, the leaf port opens before the client port.
    await this.#leafs?.listen();
    this.#listener = await this.platform.listen(o.host, o.port);
    const { port } = this.#listener.addr;
    this.#refreshInfo();
    log.info(`Listening for client connections on ${hostPort(o.host, port)}`);
    this.#system.start();
    log.info("Server is ready");
    this.#acceptLoop(this.#listener);
    this.#leafs?.startRemotes();
  }

  async #acceptLoop(listener: Listener): Promise<void> {
    for (;;) {
      const conn = await listener.accept();
      if (conn === null) return;
      if (this.#shuttingDown) {
        conn.close();
        continue;
      }
      const client = new ClientConnection(this.#nextCid++, conn, this, this.globalAccount);
      if (this.auth.needsNonce) client.nonce = newNonce();
      this.totalConnections++;
      if (this.clients.size >= this.options.maxConnections) {
        this.logger.error(`Maximum connections exceeded, rejecting ${conn.remoteAddr.hostname}`);
        conn.write(encodeUtf8(this.infoLine(client) + errLine(ERR_MAX_CONNECTIONS)))
          .catch(() => {})
          .finally(() => conn.close());
        continue;
      }
      this.clients.set(client.cid, client);
      this.logger.debug(
        `${conn.remoteAddr.hostname}:${conn.remoteAddr.port} - cid:${client.cid} - ` +
          `Client connection created`,
      );
      client.run().catch((err) => {
        this.logger.error(`cid:${client.cid} - ${err}`);
        client.close(CloseReason.ReadError);
      });
    }
  }

  /** Encodes the INFO fields every client shares (again after a reload changed them). */
  #refreshInfo(): void {
    const o = this.options;
    this.#infoPrefix = buildInfoPrefix({
      serverId: this.id,
      serverName: this.name,
      host: o.host,
      port: this.addr.port,
      maxPayload: o.maxPayload,
      authRequired: this.auth.advertiseAuthRequired,
      jetstream: this.jetstream !== null,
    });
  }

  infoLine(client: ClientConnection, extra?: Record<string, unknown>): string {
    const all = client.nonce !== null && extra === undefined ? { nonce: client.nonce } : extra;
    return clientInfoLine(this.#infoPrefix, client.cid, client.conn.remoteAddr.hostname, all);
  }

  /** Puts reloaded options into effect; `changed` names the options that changed. */
  applyReload(changed: readonly string[]): Promise<void> {
    const o = this.options;
    this.configLoadedAt = new Date();
    this.logger.debugEnabled = o.debug;
    this.logger.traceEnabled = o.trace;
    this.logger.logtime = o.logtime;
    if (changed.includes("rawConfig")) {
      const next = new Accounts(readAccountsConfig(o.rawConfig));
      this.accounts = next;
      this.#system.accountsChanged();
      for (const client of this.clients.values()) {
        client.moveToAccount(next.get(client.account.name) ?? next.global);
      }
      this.#leafs?.accountsReloaded();
    }
    const authChanged = ["rawConfig", "username", "password", "authToken"]
      .some((k) => changed.includes(k));
    if (authChanged) {
      this.auth = Authenticator.fromOptions(o);
      // Like nats-server: connections whose credentials no longer pass are closed, the
      // others get their (possibly new) account and permissions.
      for (const client of this.clients.values()) {
        if (!client.connectReceived) continue;
        const account = this.authenticate(client, client.opts);
        if (account === null) client.revokeAuthorization();
        else client.moveToAccount(account);
      }
    }
    if (this.#listener !== null) this.#refreshInfo();
    for (const client of this.clients.values()) client.applyLimits();
    return Promise.resolve();
  }

  /** Closes the client listener; established connections stay (lame duck mode). */
  stopAccepting(): void {
    this.#shuttingDown = true;
    this.#listener?.close();
    this.#leafs?.stopAccepting();
  }

  authenticate(client: ClientConnection, connect: ConnectOptions): Account | null {
    const result = this.auth.authenticate(connect, client.nonce);
    if (result === null) return null;
    const account = result.account === null
      ? this.globalAccount
      : this.accounts.get(result.account) ?? null;
    if (account !== null) client.setPermissions(result.permissions);
    return account;
  }

  markDirty(client: ClientConnection): void {
    this.#flushes.mark(client);
  }

  clientConnected(client: ClientConnection): void {
    this.#system.clientConnected(clientConnSource(client));
  }

  /** A connection id for an in-process client (the system account's, JetStream's). */
  nextClientId(): number {
    return this.#nextCid++;
  }

  clientClosed(client: ClientConnection): void {
    this.clients.delete(client.cid);
    const reason = client.closeReason ?? CloseReason.ClientClosed;
    const now = Date.now();
    const source = clientConnSource(client);
    this.#monitor.connectionClosed(source, now, reason);
    this.#system.clientDisconnected(source, reason, now, client.connectReceived);
    this.logger.debug(
      `${client.conn.remoteAddr.hostname}:${client.conn.remoteAddr.port} - cid:${client.cid} - ` +
        `Client connection closed: ${client.closeReason}`,
    );
  }

  /** Stops accepting, flushes and closes every client, then resolves `done`. */
  async shutdown(): Promise<void> {
    if (this.#shutdownStarted) return this.#done;
    this.#shutdownStarted = true;
    this.#shuttingDown = true;
    this.logger.info("Initiating Shutdown...");
    this.#system.stop();
    this.#listener?.close();
    const leafsDone = this.#leafs?.shutdown();
    const clients = [...this.clients.values()];
    await Promise.all(clients.map((c) => c.out.drain(SHUTDOWN_FLUSH_MS)));
    for (const c of clients) c.close(CloseReason.ServerShutdown);
    await leafsDone;
    await this.jetstream?.stop();
    await this.#http?.close();
    this.logger.info("Server Exiting..");
    this.#resolveDone();
  }

  // ---- what the monitoring endpoints read (MonitorSource) ----

  get boundPorts(): { client: number; http: number } {
    return { client: this.#listener?.addr.port ?? 0, http: this.#http?.addr.port ?? 0 };
  }

  get runtime(): string {
    return `${this.platform.runtime} ${this.platform.runtimeVersion}`;
  }

  get systemAccount(): string {
    return this.accounts.system.name;
  }

  get httpReqStats(): ReadonlyMap<string, number> {
    return this.#monitor.httpReqStats;
  }

  numConnections(): number {
    return this.clients.size;
  }

  monitorConnections(): ConnSource[] {
    return Array.from(this.clients.values(), clientConnSource);
  }

  closedConnections(): readonly ClosedConn[] {
    return this.#monitor.closedConnections();
  }

  monitorAccounts(): AccountSource[] {
    const updated = this.configLoadedAt.getTime();
    return accountViews(this.accounts.all(), this.clients.values(), this.#monitor, updated);
  }

  processUsage(): ProcessUsage {
    const cpu = this.#monitor.cpu.percent();
    return { rss: this.platform.memoryRss(), cpu, cores: logicalCores() };
  }

  noteHttpRequest(path: string): void {
    this.#monitor.noteHttpRequest(path);
  }

  // ---- leaf nodes ----

  #createLeafNodes(): LeafNodes | null {
    const accounts = () => this.accounts;
    const config = readLeafNodeConfig(
      this.options.rawConfig,
      (n) => accounts().get(n) !== undefined,
    );
    if (config === null) return null;
    return new LeafNodes(config, {
      options: this.options,
      logger: this.logger,
      stats: this.stats,
      serverId: this.id,
      serverName: this.name,
      platform: this.platform,
      account: (name) => name === null ? accounts().global : accounts().get(name),
      nextCid: () => this.nextClientId(),
      flushes: this.#flushes,
      clientAuth: () => this.auth,
    });
  }

  /** The leaf port's address, or null without a leaf listener. */
  get leafAddr(): { hostname: string; port: number } | null {
    const l = this.#leafs?.config.listen;
    return l ? { hostname: l.host, port: this.#leafs!.port } : null;
  }

  numLeafs(): number {
    return this.#leafs?.count ?? 0;
  }

  monitorLeafs(): LeafLinkView[] {
    return this.#leafs?.views() ?? [];
  }

  leafVarz(): Record<string, unknown> {
    return this.#leafs?.varz() ?? {};
  }

  leafSlowConsumers(): number {
    return this.#leafs?.slowConsumers ?? 0;
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
