/** Views of client connections and accounts, as the server hands them to the monitor. */
import assert from "node:assert/strict";
import { Account } from "../../../src/accounts/account.ts";
import type { ClientConnection } from "../../../src/conn/client.ts";
import { defaultConnectOptions } from "../../../src/conn/connect_options.ts";
import { Subscription } from "../../../src/pubsub/subscription.ts";
import { MonitorState } from "../../../src/monitor/state.ts";
import { accountViews, clientConnSource } from "../../../src/monitor/views.ts";
import { CloseReason } from "../../../src/conn/close_reason.ts";
import { T0 } from "./_fake_source.ts";

/** The fields of a client connection the views read (the rest is not touched). */
function client(cid: number, account: Account, over: Record<string, unknown> = {}) {
  const c = {
    cid,
    conn: { remoteAddr: { hostname: "10.0.0.1", port: 5000 + cid } },
    start: T0,
    lastActivity: T0 + 10,
    rtt: 1.5,
    out: { pending: 12 },
    inMsgs: 1,
    outMsgs: 2,
    inBytes: 10,
    outBytes: 20,
    subs: new Map<string, Subscription>(),
    opts: { ...defaultConnectOptions(), name: "n", lang: "deno", version: "3" },
    account,
    echo: true,
    closed: false,
    deliver() {},
    ...over,
  };
  return c as unknown as ClientConnection;
}

Deno.test("clientConnSource() maps a client connection to the monitor's fields", () => {
  const acc = new Account("$G");
  const c = client(7, acc);
  const s = new Subscription(c, "foo.>", "q", "3");
  s.delivered = 4;
  s.max = 9;
  c.subs.set("3", s);
  const view = clientConnSource(c);
  assert.deepEqual(
    [view.cid, view.ip, view.port, view.rttMs, view.pendingBytes, view.numSubs, view.account],
    [7, "10.0.0.1", 5007, 1.5, 12, 1, "$G"],
  );
  assert.deepEqual([view.kind, view.type, view.name, view.lang, view.version], [
    "Client",
    "nats",
    "n",
    "deno",
    "3",
  ]);
  assert.deepEqual(view.subs(), [{
    subject: "foo.>",
    queue: "q",
    sid: "3",
    msgs: 4,
    max: 9,
    cid: 7,
  }]);
});

Deno.test("clientConnSource() shows a user name, never a token", () => {
  const acc = new Account("$G");
  const withUser = client(1, acc, { opts: { ...defaultConnectOptions(), user: "alice" } });
  assert.equal(clientConnSource(withUser).user, "alice");
  const withToken = client(2, acc, { opts: { ...defaultConnectOptions(), authToken: "s3cret" } });
  assert.equal(clientConnSource(withToken).user, "[REDACTED]");
});

Deno.test("accountViews() adds open connections' traffic to closed totals", () => {
  const g = new Account("$G");
  const sys = new Account("$SYS");
  sys.isSystem = true;
  const a = client(1, g);
  g.sublist.insert(new Subscription(a, "x", null, "1"));
  const state = new MonitorState(() => null);
  state.connectionClosed(clientConnSource(client(2, g)), T0, CloseReason.SlowConsumerPendingBytes);
  const [gv, sv] = accountViews([g, sys], [a], state, T0);
  assert.equal(gv.clientConnections, 1);
  assert.deepEqual(gv.received, { msgs: 2, bytes: 20 });
  assert.deepEqual(gv.sent, { msgs: 4, bytes: 40 });
  assert.equal(gv.slowConsumers, 1);
  assert.equal(gv.sublistStats().numSubscriptions, 1);
  assert.deepEqual([...gv.subscriptions()].map((s) => [s.subject, s.cid]), [["x", 1]]);
  assert.equal(sv.isSystem, true);
  assert.equal(sv.clientConnections, 0);
});
