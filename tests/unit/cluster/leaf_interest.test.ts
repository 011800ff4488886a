import assert from "node:assert/strict";
import { Account } from "../../../src/accounts/account.ts";
import {
  AccountInterest,
  type InterestEntry,
  type InterestLink,
} from "../../../src/cluster/leaf_interest.ts";
import { type Subscriber, Subscription } from "../../../src/pubsub/subscription.ts";

/** A link that records what it would send and holds its peer's interest. */
class FakeLink implements InterestLink {
  sent: string[] = [];
  remote = new Map<string, InterestEntry>();
  constructor(readonly spoke = false) {}
  remoteInterest(): Iterable<InterestEntry> {
    return this.remote.values();
  }
  sendInterest(subject: string, queue: string | null, added: boolean): void {
    this.sent.push(`${added ? "+" : "-"}${subject}${queue ? ` ${queue}` : ""}`);
  }
  take(): string[] {
    const s = this.sent.filter((l) => !l.startsWith("+$LDS.") && !l.startsWith("-$LDS."));
    this.sent = [];
    return s.sort();
  }
  /** The peer subscribed: record it and tell the router. */
  peerSub(router: AccountInterest, subject: string, queue: string | null = null): void {
    this.remote.set(`${subject} ${queue}`, { subject, queue });
    router.remoteChanged(this, subject, queue, true);
  }
  peerUnsub(router: AccountInterest, subject: string, queue: string | null = null): void {
    this.remote.delete(`${subject} ${queue}`);
    router.remoteChanged(this, subject, queue, false);
  }
}

const owner: Subscriber = { cid: 1, echo: true, closed: false, deliver() {} };

function localSub(account: Account, subject: string, queue: string | null = null): Subscription {
  const sub = new Subscription(owner, subject, queue, String(Math.random()));
  account.addSubscription(sub);
  return sub;
}

Deno.test("leaf interest: a new link hears the loop-detection subject and local interest", () => {
  const account = new Account("$G");
  localSub(account, "a.>");
  localSub(account, "work", "grp");
  localSub(account, "work", "grp");
  const router = new AccountInterest(account);
  assert.ok(router.lds.startsWith("$LDS."));
  const link = new FakeLink();
  router.attach(link);
  assert.ok(link.sent.includes(`+${router.lds}`));
  assert.deepEqual(link.take(), ["+a.>", "+work grp"]);
});

Deno.test("leaf interest: local first-subscribe and last-unsubscribe become LS+ and LS-", () => {
  const account = new Account("$G");
  const router = new AccountInterest(account);
  const link = new FakeLink();
  router.attach(link);
  link.take();
  const s1 = localSub(account, "x");
  const s2 = localSub(account, "x");
  assert.deepEqual(link.take(), ["+x"]);
  account.removeSubscription(s1);
  assert.deepEqual(link.take(), []);
  account.removeSubscription(s2);
  assert.deepEqual(link.take(), ["-x"]);
});

Deno.test("leaf interest: a link never hears its own peer's interest back", () => {
  const account = new Account("$G");
  const router = new AccountInterest(account);
  const a = new FakeLink();
  const b = new FakeLink();
  router.attach(a);
  router.attach(b);
  a.take();
  b.take();
  a.peerSub(router, "from.a");
  assert.deepEqual(a.take(), []);
  assert.deepEqual(b.take(), ["+from.a"]);
  // Local interest in the same subject does not re-announce it to b, and leaves with the peer's.
  const s = localSub(account, "from.a");
  assert.deepEqual(a.take(), ["+from.a"]);
  assert.deepEqual(b.take(), []);
  account.removeSubscription(s);
  assert.deepEqual(a.take(), ["-from.a"]);
  assert.deepEqual(b.take(), []);
  a.peerUnsub(router, "from.a");
  assert.deepEqual(b.take(), ["-from.a"]);
});

Deno.test("leaf interest: a spoke forwards local and accepted links' interest, not other spokes'", () => {
  const account = new Account("$G");
  const router = new AccountInterest(account);
  const hub1 = new FakeLink(true);
  const hub2 = new FakeLink(true);
  const downstream = new FakeLink(false);
  for (const l of [hub1, hub2, downstream]) router.attach(l);
  for (const l of [hub1, hub2, downstream]) l.take();
  hub1.peerSub(router, "hub1.only");
  assert.deepEqual(hub2.take(), [], "one hub's interest does not reach another hub");
  assert.deepEqual(downstream.take(), ["+hub1.only"], "an accepted link hears everything");
  downstream.peerSub(router, "down.x");
  assert.deepEqual(hub1.take(), ["+down.x"]);
  assert.deepEqual(hub2.take(), ["+down.x"]);
});

Deno.test("leaf interest: interest that arrived before attach is relayed then, and withdrawn on detach", () => {
  const account = new Account("$G");
  const router = new AccountInterest(account);
  const a = new FakeLink();
  const b = new FakeLink();
  router.attach(b);
  b.take();
  a.remote.set("early", { subject: "early", queue: null });
  router.remoteChanged(a, "early", null, true); // not attached yet: ignored
  assert.deepEqual(b.take(), []);
  router.attach(a);
  assert.deepEqual(b.take(), ["+early"]);
  router.detach(a);
  assert.deepEqual(b.take(), ["-early"]);
  assert.equal(router.linkCount, 1);
});

Deno.test("leaf interest: the router follows the account while no link is attached", () => {
  const account = new Account("$G");
  const router = new AccountInterest(account);
  const a = new FakeLink();
  router.attach(a);
  router.detach(a);
  localSub(account, "later");
  const b = new FakeLink();
  router.attach(b);
  assert.deepEqual(b.take(), ["+later"]);
  router.close();
});

Deno.test("leaf interest: adopting links after a reload sends each peer only what changed", () => {
  const oldAccount = new Account("$G");
  const old = new AccountInterest(oldAccount);
  const a = new FakeLink();
  const b = new FakeLink();
  localSub(oldAccount, "kept");
  localSub(oldAccount, "dropped");
  old.attach(a);
  old.attach(b);
  b.peerSub(old, "from.b");
  const before = new Map([a, b].map((l) => [l, new Set(old.announced(l))]));
  for (const l of [a, b]) old.detach(l, true);
  old.close();
  a.take();
  b.take();
  const next = new Account("$G");
  localSub(next, "kept");
  localSub(next, "added");
  const router = new AccountInterest(next, old.lds);
  router.adopt([a, b].map((link) => ({ link, before: before.get(link)! })));
  assert.deepEqual(a.take(), ["+added", "-dropped"], "from.b is still relayed: not resent");
  assert.deepEqual(b.take(), ["+added", "-dropped"]);
  assert.equal(router.lds, old.lds, "the loop-detection subject survives");
});
