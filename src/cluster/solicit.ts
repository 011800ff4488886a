/**
 * Soliciting a remote leaf node connection and keeping it up: dial one of the remote's URLs
 * (the configured ones, shuffled unless `no_randomize`, then those the hub advertised), run
 * the link until it ends, wait, dial again. Waits grow exponentially from the `reconnect`
 * interval up to a cap and carry random jitter, so a fleet of leaves does not reconnect to a
 * restarted hub in one wave; a link that got as far as the end of its handshake starts the
 * back-off over. A loop (or another refusal nats-server delays) sets the next wait outright.
 */
import type { Conn } from "../platform/types.ts";
import type { Account } from "../accounts/account.ts";
import type { Logger } from "../server/logger.ts";
import { type LeafRemoteConfig, type RemoteUrl, urlHostPort } from "./leaf_config.ts";
import { DEFAULT_LEAF_PORT } from "./leaf_protocol.ts";

/** nats-server's DEFAULT_ROUTE_DIAL, used for leaf dials too. */
export const LEAF_DIAL_TIMEOUT_MS = 1000;
/** The longest wait between attempts (unless a refusal asked for longer). */
export const MAX_RECONNECT_DELAY_MS = 30_000;
/** Connect errors are logged at error level for the first attempt and every Nth after. */
const REPORT_EVERY = 10;

/**
 * Exponential back-off with jitter: attempt n waits in [d/2, d] where d = base * 2^n, capped.
 * (Half the wait is random: spreads a fleet out while keeping a floor under the retry rate.)
 */
export class Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  #attempt = 0;
  #random: () => number;

  constructor(
    baseMs: number,
    maxMs = Math.max(baseMs, MAX_RECONNECT_DELAY_MS),
    random = Math.random,
  ) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.#random = random;
  }

  get attempt(): number {
    return this.#attempt;
  }

  next(): number {
    const d = Math.min(this.baseMs * 2 ** Math.min(this.#attempt, 30), this.maxMs);
    this.#attempt++;
    return Math.round(d / 2 + this.#random() * (d / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}

/** What a solicited link knows of the remote it belongs to. */
export interface SolicitedLink {
  readonly config: LeafRemoteConfig;
  /** The URL this connection was dialled with (its credentials go into CONNECT). */
  readonly url: RemoteUrl;
  readonly account: Account;
  /** `leafnode_urls` from the hub's INFO: more URLs to try next time. */
  learnUrls(hostPorts: readonly string[]): void;
  /** Makes the next attempt wait `ms` (a loop was detected, ...). */
  delayNext(ms: number): void;
}

/** A started link, as the remote sees it. */
export interface RemoteLink {
  readonly done: Promise<void>;
  readonly wasActive: boolean;
}

export interface RemoteDeps {
  connect(hostname: string, port: number): Promise<Conn>;
  logger: Logger;
  /** The account the remote binds to now (looked up per attempt: a reload may replace it). */
  account(): Account | undefined;
  /** Starts a link over `conn`. */
  startLink(conn: Conn, link: SolicitedLink): RemoteLink;
  random?: () => number;
  dialTimeoutMs?: number;
}

export class Remote {
  readonly config: LeafRemoteConfig;
  readonly backoff: Backoff;
  #deps: RemoteDeps;
  #configured: RemoteUrl[];
  #learned: RemoteUrl[] = [];
  #next = 0;
  #forcedDelay = 0;
  #failures = 0;
  #stopped = false;
  #wake: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;

  constructor(config: LeafRemoteConfig, reconnectMs: number, deps: RemoteDeps) {
    this.config = config;
    this.#deps = deps;
    this.backoff = new Backoff(reconnectMs, undefined, deps.random);
    this.#configured = [...config.urls];
    if (!config.noRandomize) shuffle(this.#configured, deps.random ?? Math.random);
  }

  /** Every URL in the order they are tried. */
  get urls(): readonly RemoteUrl[] {
    return [...this.#configured, ...this.#learned];
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Stops reconnecting; the current link (if any) is the owner's to close. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#running;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const account = this.#deps.account();
      const url = this.#pickUrl();
      if (account === undefined) {
        this.#deps.logger.error(`Unable to find account ${this.config.account} for leafnode`);
        await this.#sleep(this.backoff.next());
        continue;
      }
      let conn: Conn;
      try {
        this.#deps.logger.debug(
          `Trying to connect as leafnode to remote server on ${urlHostPort(url)}`,
        );
        conn = await this.#dial(url);
      } catch (err) {
        this.#failures++;
        const text = `Error trying to connect as leafnode to remote server ${
          JSON.stringify(urlHostPort(url))
        } (attempt ${this.#failures}): ${(err as Error).message ?? err}`;
        if (this.#failures === 1 || this.#failures % REPORT_EVERY === 0) {
          this.#deps.logger.error(text);
        } else {
          this.#deps.logger.debug(text);
        }
        await this.#sleep(this.#takeDelay());
        continue;
      }
      if (this.#stopped) {
        conn.close();
        return;
      }
      const link = this.#deps.startLink(conn, this.#solicited(url, account));
      await link.done;
      if (link.wasActive) {
        this.backoff.reset();
        this.#failures = 0;
      }
      if (this.#stopped) return;
      await this.#sleep(this.#takeDelay());
    }
  }

  #solicited(url: RemoteUrl, account: Account): SolicitedLink {
    return {
      config: this.config,
      url,
      account,
      learnUrls: (hostPorts) => this.learnUrls(hostPorts),
      delayNext: (ms) => (this.#forcedDelay = Math.max(this.#forcedDelay, ms)),
    };
  }

  /** Replaces the hub-advertised URLs (configured ones are kept and come first). */
  learnUrls(hostPorts: readonly string[]): void {
    const known = new Set(this.#configured.map(urlHostPort));
    const learned: RemoteUrl[] = [];
    for (const hp of hostPorts) {
      const parsed = parseHostPort(hp);
      if (parsed === null || known.has(urlHostPort(parsed))) continue;
      known.add(urlHostPort(parsed));
      // Advertised URLs carry no credentials: reuse the configured ones, as nats-server does.
      const creds = this.#configured.find((u) => u.user !== "") ?? { user: "", pass: "" };
      learned.push({ ...parsed, user: creds.user, pass: creds.pass });
    }
    this.#learned = learned;
  }

  #pickUrl(): RemoteUrl {
    // Round robin over a list that may grow: after a link drops, the next URL goes first.
    const all = this.urls;
    return all[this.#next++ % all.length];
  }

  #takeDelay(): number {
    const forced = this.#forcedDelay;
    this.#forcedDelay = 0;
    const backoff = this.backoff.next();
    return Math.max(forced, backoff);
  }

  #dial(url: RemoteUrl): Promise<Conn> {
    const timeoutMs = this.#deps.dialTimeoutMs ?? LEAF_DIAL_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new Error("dial timeout"));
      }, timeoutMs);
      this.#deps.connect(url.host, url.port).then(
        (conn) => {
          clearTimeout(timer);
          if (settled) conn.close();
          else resolve(conn);
        },
        (err) => {
          clearTimeout(timer);
          if (!settled) reject(err);
        },
      );
    });
  }

  /** Waits `ms`, or less if the remote is stopped meanwhile. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        clearTimeout(this.#timer);
        this.#wake = null;
        resolve();
      };
      this.#timer = setTimeout(this.#wake, ms);
    });
  }
}

function parseHostPort(hp: string): { host: string; port: number } | null {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(hp.trim());
  if (m === null) return hp.trim() === "" ? null : { host: hp.trim(), port: DEFAULT_LEAF_PORT };
  return { host: m[1], port: Number(m[2]) };
}

function shuffle<T>(a: T[], random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
