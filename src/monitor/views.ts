/**
 * Views of client connections, subscriptions and accounts as the monitor reads them. Built per
 * request (and once at close for the closed ring), never on the message path.
 */
import type { Account } from "../accounts/account.ts";
import type { ClientConnection } from "../conn/client.ts";
import type { ConnectOptions } from "../conn/connect_options.ts";
import type { Subscription } from "../pubsub/subscription.ts";
import type { AccountSource, ConnSource, SubSource } from "./source.ts";
import type { AccountTotals, MonitorState } from "./state.ts";

/** What `/connz?auth=true` shows for a token: never the token itself. */
const REDACTED = "[REDACTED]";

export function clientConnSource(c: ClientConnection): ConnSource {
  const addr = c.conn.remoteAddr;
  return {
    cid: c.cid,
    kind: "Client",
    type: "nats",
    ip: addr.hostname,
    port: addr.port,
    start: c.start,
    lastActivity: c.lastActivity,
    rttMs: c.rtt,
    pendingBytes: c.out.pending,
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    numSubs: c.subs.size,
    name: c.opts.name,
    lang: c.opts.lang,
    version: c.opts.version,
    user: authorizedUser(c.opts),
    account: c.account.name,
    subs: () => Array.from(c.subs.values(), subscriptionSource),
  };
}

export function subscriptionSource(s: Subscription): SubSource {
  return {
    subject: s.subject,
    queue: s.queue,
    sid: s.sid,
    msgs: s.delivered,
    max: s.max,
    cid: s.owner.cid,
  };
}

/** nats-server's `getRawAuthUser` order: nkey, user name, then a (redacted) token. */
function authorizedUser(o: ConnectOptions): string {
  if (o.nkey !== "") return o.nkey;
  if (o.user !== "") return o.user;
  if (o.authToken !== "") return REDACTED;
  return "";
}

/**
 * The accounts as the monitor sees them. An account's traffic is what its open connections
 * have counted plus the totals `state` kept of its closed ones.
 */
export function accountViews(
  accounts: readonly Account[],
  clients: Iterable<ClientConnection>,
  state: MonitorState,
  updated: number,
): AccountSource[] {
  const open = new Map<Account, { conns: number } & Omit<AccountTotals, "slowConsumers">>();
  for (const c of clients) {
    let t = open.get(c.account);
    if (t === undefined) {
      t = { conns: 0, inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
      open.set(c.account, t);
    }
    t.conns++;
    t.inMsgs += c.inMsgs;
    t.inBytes += c.inBytes;
    t.outMsgs += c.outMsgs;
    t.outBytes += c.outBytes;
  }
  return accounts.map((account) => {
    const o = open.get(account) ?? { conns: 0, inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0 };
    const t = state.closedTotals(account.name);
    return {
      name: account.name,
      isSystem: account.isSystem,
      updated,
      jetstream: false,
      clientConnections: o.conns,
      leafConnections: 0,
      sent: { msgs: o.outMsgs + t.outMsgs, bytes: o.outBytes + t.outBytes },
      received: { msgs: o.inMsgs + t.inMsgs, bytes: o.inBytes + t.inBytes },
      slowConsumers: t.slowConsumers,
      sublistStats: () => account.sublist.stats(),
      subscriptions: () => Array.from(account.sublist.entries(), subscriptionSource),
    };
  });
}
