/**
 * Which interest each leaf link of an account tells its peer (nats-server's per-leaf `smap`).
 *
 * A link announces, once per subject/queue key: the account's local interest (clients, internal
 * subscribers, import bridges: everything subscribed through the account), the interest of the
 * account's other links, and the account's loop-detection subject. Never its own peer's
 * interest: that would echo back and never be withdrawn. A spoke (a link this server solicited
 * as a leaf) forwards only local interest and that of links it accepted, so two hubs do not
 * learn each other's interest through a spoke.
 *
 * Local interest comes from the account's first-subscribe/last-unsubscribe events. Links keep
 * their peers' subscriptions in the sublist but outside those events (they insert into the
 * sublist directly), and report them here, so the events stay purely local. Per link, a count
 * per key of the sources announcing it decides when `LS+` and `LS-` go out.
 *
 * Invariant: the router listens from its construction for as long as the account object
 * lives, and a link inserts its peer's subscriptions only once its account's router exists.
 * (The account counts existing entries when a listener registers; a leaf subscription counted
 * then would never be uncounted, since links remove theirs from the sublist directly.)
 */
import type { Account } from "../accounts/account.ts";
import { interestKey, LDS_PREFIX } from "./leaf_protocol.ts";

export interface InterestEntry {
  readonly subject: string;
  readonly queue: string | null;
}

/** What the router needs from a link. */
export interface InterestLink {
  /** This server solicited the link as a leaf (not as a hub). */
  readonly spoke: boolean;
  /** The peer's own interest: what it subscribed to over this link. */
  remoteInterest(): Iterable<InterestEntry>;
  /** Tells the peer that interest for (subject, queue) appeared or went away. */
  sendInterest(subject: string, queue: string | null, added: boolean): void;
}

/** May interest from `source` (a link, or null for local interest) be announced to `target`? */
function forwards(source: InterestLink | null, target: InterestLink): boolean {
  return source === null || !target.spoke || !source.spoke;
}

export class AccountInterest {
  readonly account: Account;
  /** This account's loop-detection subject. */
  readonly lds: string;
  /** Attached links and, per link, how many sources announce each key to its peer. */
  #links = new Map<InterestLink, Map<string, number>>();
  #local = new Map<string, InterestEntry>();
  #stopListening: (() => void) | null = null;
  /** While set, counts change but nothing is sent (see `adopt`). */
  #quiet = false;

  /** `lds`: keep an account's loop-detection subject when it is rebuilt by a reload. */
  constructor(account: Account, lds = LDS_PREFIX + randomToken()) {
    this.account = account;
    this.lds = lds;
    this.#listen();
  }

  get linkCount(): number {
    return this.#links.size;
  }

  /** Starts announcing to `link`: sends its initial LS+ set and relays its peer's interest. */
  attach(link: InterestLink): void {
    if (this.#links.has(link)) return;
    for (const e of link.remoteInterest()) this.#relay(link, e, 1);
    const counts = new Map<string, number>();
    this.#links.set(link, counts);
    const add = (e: InterestEntry) => this.#bump(link, counts, e, 1);
    // Relayed interest first: if it holds the peer's own loop-detection subject, the peer
    // finds the loop on this new link before our subject can travel around it and cut an
    // established link too (nats-server ends up keeping the older link the same way).
    for (const other of this.#links.keys()) {
      if (other !== link && forwards(other, link)) {
        for (const e of other.remoteInterest()) add(e);
      }
    }
    add({ subject: this.lds, queue: null });
    for (const e of this.#local.values()) add(e);
  }

  /**
   * Takes over links whose account was rebuilt (a config reload): counts quietly, then tells
   * each peer only what changed from what it heard before (`before`, the keys announced to it).
   */
  adopt(links: readonly { link: InterestLink; before: ReadonlySet<string> }[]): void {
    this.#quiet = true;
    try {
      for (const { link } of links) this.attach(link);
    } finally {
      this.#quiet = false;
    }
    for (const { link, before } of links) {
      const now = this.#links.get(link)!;
      for (const key of now.keys()) if (!before.has(key)) sendKey(link, key, true);
      for (const key of before) if (!now.has(key)) sendKey(link, key, false);
    }
  }

  /**
   * Stops announcing to `link` and withdraws its peer's interest from the others (unless
   * `silent`: the router is being replaced and the others move too).
   */
  detach(link: InterestLink, silent = false): void {
    if (!this.#links.delete(link)) return;
    if (!silent) { for (const e of link.remoteInterest()) this.#relay(link, e, -1); }
  }

  /** Stops following the account's interest (the account object is being dropped). */
  close(): void {
    this.#stopListening?.();
    this.#stopListening = null;
    this.#local.clear();
  }

  /** `link`'s peer subscribed (`added`) or unsubscribed (subject, queue). */
  remoteChanged(link: InterestLink, subject: string, queue: string | null, added: boolean): void {
    if (!this.#links.has(link)) return; // attach relays whatever arrived before it
    this.#relay(link, { subject, queue }, added ? 1 : -1);
  }

  /** The keys announced to `link`'s peer, for tests and monitoring. */
  announced(link: InterestLink): string[] {
    return [...(this.#links.get(link)?.keys() ?? [])];
  }

  #listen(): void {
    const { current, stop } = this.account.listenForInterest((subject, queue, added) => {
      const key = interestKey(subject, queue);
      if (added) this.#local.set(key, { subject, queue });
      else this.#local.delete(key);
      for (const [link, counts] of this.#links) {
        this.#bump(link, counts, { subject, queue }, added ? 1 : -1);
      }
    });
    this.#stopListening = stop;
    for (const e of current) this.#local.set(interestKey(e.subject, e.queue), e);
  }

  #relay(source: InterestLink, e: InterestEntry, delta: 1 | -1): void {
    for (const [link, counts] of this.#links) {
      if (link !== source && forwards(source, link)) this.#bump(link, counts, e, delta);
    }
  }

  #bump(link: InterestLink, counts: Map<string, number>, e: InterestEntry, delta: 1 | -1): void {
    const key = interestKey(e.subject, e.queue);
    const before = counts.get(key) ?? 0;
    const after = before + delta;
    if (after <= 0) {
      counts.delete(key);
      if (before > 0 && !this.#quiet) link.sendInterest(e.subject, e.queue, false);
    } else {
      counts.set(key, after);
      if (before === 0 && !this.#quiet) link.sendInterest(e.subject, e.queue, true);
    }
  }
}

function sendKey(link: InterestLink, key: string, added: boolean): void {
  const space = key.indexOf(" ");
  if (space < 0) link.sendInterest(key, null, added);
  else link.sendInterest(key.slice(0, space), key.slice(space + 1), added);
}

/** 22 random base-62 characters, like nats-server's nuid. */
function randomToken(): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let s = "";
  for (const b of bytes) s += alphabet[b % 62];
  return s;
}
