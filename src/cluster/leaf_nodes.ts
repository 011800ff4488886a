/**
 * The leaf node subsystem of a server: the leaf port's listener (we are the hub for whoever
 * connects), the remotes we solicit (we are their leaf), the open links, one interest router
 * per account, and the flush scheduler for link outbound buffers. The server creates it when
 * the config has a `leafnodes` block and calls start, stop and the monitoring views.
 */
import type { Conn, Listener, Platform } from "../platform/types.ts";
import type { FlushScheduler } from "../conn/flush_scheduler.ts";
import type { Options } from "../config/options.ts";
import type { Account } from "../accounts/account.ts";
import type { TrafficStats } from "../conn/host.ts";
import { CloseReason } from "../conn/close_reason.ts";
import type { Logger } from "../server/logger.ts";
import type { Authenticator } from "../auth/mod.ts";
import { type LeafNodeConfig, urlHostPort } from "./leaf_config.ts";
import { LeafAuthenticator } from "./leaf_auth.ts";
import type { LeafHost } from "./leaf_host.ts";
import { AccountInterest } from "./leaf_interest.ts";
import { LeafCloseReason, LeafConnection } from "./leafnode.ts";
import {
  hostPort,
  hubConnectInfoLine,
  type HubInfoFields,
  hubInfoLine,
  type LeafConnectInfo,
} from "./leaf_protocol.ts";
import { Remote } from "./solicit.ts";

/** How long shutdown waits for links' queued bytes to go out. */
const SHUTDOWN_FLUSH_MS = 1000;

export interface LeafNodesDeps {
  readonly options: Options;
  readonly logger: Logger;
  readonly stats: TrafficStats;
  readonly serverId: string;
  readonly serverName: string;
  readonly platform: Pick<Platform, "listen" | "connect">;
  /** Looks an account up in the server's current registry. */
  account(name: string | null): Account | undefined;
  /** Connection ids are shared with clients (nats-server's cid/lid counter). */
  nextCid(): number;
  /** The server's per-turn flush scheduler, shared with client connections. */
  readonly flushes: FlushScheduler;
  /** The client authenticator, for leafs when `leafnodes` has no authorization of its own. */
  clientAuth(): Authenticator | null;
}

/** One link as `/leafz` shows it (monitor/source.ts `LeafSource`). */
export interface LeafLinkView {
  readonly name: string;
  readonly isSpoke: boolean;
  readonly account: string;
  readonly ip: string;
  readonly port: number;
  readonly rttMs: number;
  readonly inMsgs: number;
  readonly outMsgs: number;
  readonly inBytes: number;
  readonly outBytes: number;
  readonly numSubs: number;
  subs(): string[];
}

export class LeafNodes implements LeafHost {
  readonly config: LeafNodeConfig;
  readonly links = new Map<number, LeafConnection>();
  slowConsumers = 0;
  #deps: LeafNodesDeps;
  #auth: LeafAuthenticator;
  #listener: Listener | null = null;
  #remotes: Remote[] = [];
  #interest = new Map<Account, AccountInterest>();
  /** Loop-detection subjects by account name: they outlive a reload's new account objects. */
  #lds = new Map<string, string>();
  #accepting = true;
  #shuttingDown = false;

  constructor(config: LeafNodeConfig, deps: LeafNodesDeps) {
    this.config = config;
    this.#deps = deps;
    this.#auth = new LeafAuthenticator(config.auth, deps.clientAuth);
  }

  get options(): Options {
    return this.#deps.options;
  }
  get logger(): Logger {
    return this.#deps.logger;
  }
  get stats(): TrafficStats {
    return this.#deps.stats;
  }
  get serverId(): string {
    return this.#deps.serverId;
  }
  get serverName(): string {
    return this.#deps.serverName;
  }
  get authTimeoutMs(): number {
    return this.config.auth.timeoutMs;
  }

  /** The bound leaf port, 0 without a listener. */
  get port(): number {
    return this.#listener?.addr.port ?? 0;
  }

  /** Links whose handshake completed. */
  get count(): number {
    let n = 0;
    for (const link of this.links.values()) if (link.active) n++;
    return n;
  }

  /** Opens the leaf port (nats-server does this before the client port). */
  async listen(): Promise<void> {
    const l = this.config.listen;
    if (l === null) return;
    this.#listener = await this.#deps.platform.listen(l.host, l.port);
    this.logger.info(
      `Listening for leafnode connections on ${hostPort(l.host, this.#listener.addr.port)}`,
    );
    if (this.config.advertise !== "") {
      this.logger.info(`Advertise address for leafnode is set to ${this.config.advertise}`);
    }
    this.#acceptLoop(this.#listener);
  }

  /** Starts soliciting the configured remotes. */
  startRemotes(): void {
    for (const cfg of this.config.remotes) {
      const remote = new Remote(cfg, this.config.reconnectMs, {
        connect: (host, port) => this.#deps.platform.connect(host, port),
        logger: this.logger,
        account: () => this.#deps.account(cfg.account),
        startLink: (conn, solicited) => this.#startLink(conn, solicited),
      });
      this.#remotes.push(remote);
      remote.start();
    }
  }

  /** Lame duck: no new leafs on the leaf port; remotes and open links stay. */
  stopAccepting(): void {
    this.#accepting = false;
    this.#listener?.close();
  }

  /** Closes the listener, stops reconnecting, flushes and closes every link. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    this.stopAccepting();
    const stopping = this.#remotes.map((r) => r.stop());
    const links = [...this.links.values()];
    await Promise.all(links.map((l) => l.out.drain(SHUTDOWN_FLUSH_MS)));
    for (const link of links) link.close(CloseReason.ServerShutdown);
    await Promise.all([...stopping, ...links.map((l) => l.done)]);
  }

  /**
   * The accounts were rebuilt (config reload): each established link moves to its account's
   * new object, and its peer hears only the interest that changed. A link whose account is
   * gone, or that was still in its handshake with an old account, is closed (and redialled).
   */
  accountsReloaded(): void {
    const old = this.#interest;
    this.#interest = new Map();
    const moves = new Map<Account, { link: LeafConnection; before: ReadonlySet<string> }[]>();
    for (const link of [...this.links.values()]) {
      const account = link.account;
      if (account === null) continue; // an accepted link before CONNECT binds later
      const router = old.get(account);
      const before = new Set(router?.announced(link) ?? []);
      router?.detach(link, true);
      const next = this.#deps.account(account.name);
      if (next === undefined || !link.active) {
        link.close(CloseReason.ClientClosed);
        continue;
      }
      this.interestFor(next); // listening before the link's subscriptions move in
      link.moveTo(next);
      let group = moves.get(next);
      if (group === undefined) moves.set(next, group = []);
      group.push({ link, before });
    }
    for (const [account, group] of moves) {
      const router = this.interestFor(account);
      router.adopt(group);
      for (const { link } of group) link.adoptedBy(router);
    }
    for (const router of old.values()) router.close();
  }

  async #acceptLoop(listener: Listener): Promise<void> {
    for (;;) {
      const conn = await listener.accept();
      if (conn === null) return;
      if (!this.#accepting) {
        conn.close();
        continue;
      }
      this.#startLink(conn, null);
    }
  }

  #startLink(
    conn: Conn,
    solicited: ConstructorParameters<typeof LeafConnection>[3],
  ): LeafConnection {
    const link = new LeafConnection(this.#deps.nextCid(), conn, this, solicited);
    this.links.set(link.cid, link);
    if (solicited === null) {
      this.logger.info(`${link.label} - Leafnode connection created`);
    } else {
      this.logger.info(
        `${link.label} - Leafnode connection created for account: ${solicited.account.name} ` +
          `(remote ${urlHostPort(solicited.url)})`,
      );
    }
    link.run().catch((err) => {
      this.logger.error(`${link.label} - ${err}`);
      link.close(CloseReason.ReadError);
    });
    if (this.#shuttingDown) link.close(CloseReason.ServerShutdown);
    return link;
  }

  // ---- LeafHost ----

  #hubFields(link: LeafConnection): HubInfoFields {
    const l = this.config.listen!;
    const port = this.port;
    const url = this.config.advertise !== ""
      ? this.config.advertise
      : hostPort(advertisedHost(l.host, link), port);
    return {
      serverId: this.serverId,
      serverName: this.serverName,
      host: l.host,
      port,
      maxPayload: this.options.maxPayload,
      leafnodeUrls: [url],
    };
  }

  hubInfoLine(link: LeafConnection, nonce: string): string {
    return hubInfoLine(this.#hubFields(link), link.cid, nonce);
  }

  hubConnectInfoLine(link: LeafConnection, account: Account): string {
    return hubConnectInfoLine(this.#hubFields(link), link.cid, account.name);
  }

  authenticate(info: LeafConnectInfo, nonce: string): Account | null {
    const binding = this.#auth.authenticate(info, nonce);
    if (binding === null) return null;
    return this.#deps.account(binding.account) ?? null;
  }

  interestFor(account: Account): AccountInterest {
    let interest = this.#interest.get(account);
    if (interest === undefined) {
      interest = new AccountInterest(account, this.#lds.get(account.name));
      this.#lds.set(account.name, interest.lds);
      this.#interest.set(account, interest);
    }
    return interest;
  }

  markDirty(link: LeafConnection): void {
    this.#deps.flushes.mark(link);
  }

  linkActive(link: LeafConnection): void {
    if (link.solicit === null) this.#evictDuplicate(link);
    const role = link.spoke ? "hub" : "leafnode";
    this.logger.info(
      `${link.label} - Leafnode connection established with ${role} ` +
        `${JSON.stringify(link.remoteName)} account: ${link.account!.name}`,
    );
  }

  /**
   * A leaf that reconnects before we noticed its old link die (a NAT or a WAN drop leaves it
   * half open) replaces the old one, as in nats-server: same server, same accounts both sides.
   */
  #evictDuplicate(link: LeafConnection): void {
    if (link.remoteName === "" || link.remoteAccount === "") return;
    for (const old of this.links.values()) {
      if (
        old !== link && old.solicit === null && old.active &&
        old.remoteName === link.remoteName && old.account === link.account &&
        old.remoteAccount === link.remoteAccount
      ) {
        this.logger.warn(`${link.label} - Replacing connection from same server`);
        old.closeWithError(LeafCloseReason.DuplicateRemote, LeafCloseReason.DuplicateRemote);
      }
    }
  }

  linkClosed(link: LeafConnection): void {
    this.links.delete(link.cid);
    const account = link.account === null ? "" : ` account: ${link.account.name}`;
    this.logger.info(`${link.label} - Leafnode connection closed: ${link.closeReason}${account}`);
  }

  leafSlowConsumer(): void {
    this.slowConsumers++;
  }

  // ---- monitoring ----

  views(): LeafLinkView[] {
    const views: LeafLinkView[] = [];
    for (const link of this.links.values()) {
      if (!link.active) continue;
      views.push({
        name: link.remoteName,
        isSpoke: link.spoke,
        account: link.account!.name,
        ip: link.conn.remoteAddr.hostname,
        port: link.conn.remoteAddr.port,
        rttMs: link.rtt,
        inMsgs: link.inMsgs,
        outMsgs: link.outMsgs,
        inBytes: link.inBytes,
        outBytes: link.outBytes,
        numSubs: link.numSubs,
        subs: () => link.subscriptionSubjects,
      });
    }
    return views;
  }

  /** `/varz` `leaf`: the accept side's address and timeout, and the remotes. */
  varz(): Record<string, unknown> {
    const v: Record<string, unknown> = {};
    const l = this.config.listen;
    if (l !== null) {
      v.host = l.host;
      v.port = this.port;
      v.auth_timeout = this.config.auth.timeoutMs / 1000;
      v.tls_timeout = 2;
    }
    if (this.config.remotes.length > 0) {
      v.remotes = this.config.remotes.map((r) => {
        const remote: Record<string, unknown> = {
          local_account: r.account,
          urls: r.urls.map(urlHostPort),
        };
        if (r.denyExports.length > 0 || r.denyImports.length > 0) {
          const deny: Record<string, unknown> = {};
          if (r.denyExports.length > 0) deny.exports = r.denyExports;
          if (r.denyImports.length > 0) deny.imports = r.denyImports;
          remote.deny = deny;
        }
        return remote;
      });
    }
    return v;
  }
}

/**
 * The host a leaf should use to reach us: the configured one, or for a wildcard listener the
 * local address this connection came in on (nats-server picks an interface address instead).
 */
function advertisedHost(listenHost: string, link: LeafConnection): string {
  if (listenHost !== "0.0.0.0" && listenHost !== "::" && listenHost !== "") return listenHost;
  return link.conn.localAddr.hostname;
}
