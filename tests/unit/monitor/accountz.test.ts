/** /accountz and /accstatz. */
import assert from "node:assert/strict";
import { accountStatz, accountz } from "../../../src/monitor/accountz.ts";
import { account, FakeSource, sub, T0 } from "./_fake_source.ts";

function source(): FakeSource {
  const src = new FakeSource();
  src.accounts = [
    account("$SYS", { isSystem: true }),
    account("$G", {
      clientConnections: 2,
      sent: { msgs: 5, bytes: 50 },
      received: { msgs: 3, bytes: 30 },
      slowConsumers: 1,
      subs: [sub(1, "a"), sub(2, "b")],
    }),
    account("IDLE"),
  ];
  return src;
}

Deno.test("accountz: lists account names (sorted) and the system account", () => {
  const doc = accountz(source(), {}, T0);
  assert.deepEqual(doc.accounts, ["$G", "$SYS", "IDLE"]);
  assert.equal(doc.system_account, "$SYS");
  assert.equal(doc.account_detail, undefined);
});

Deno.test("accountz: acc gives one account's detail", () => {
  const doc = accountz(source(), { account: "$G" }, T0);
  assert.equal(doc.accounts, undefined);
  const d = doc.account_detail!;
  assert.equal(d.account_name, "$G");
  assert.equal(d.update_time, "2024-01-02T03:04:05Z");
  assert.equal(d.is_system, undefined);
  assert.deepEqual(
    [d.expired, d.complete, d.jetstream_enabled, d.client_connections, d.subscriptions],
    [false, true, false, 2, 2],
  );
  assert.equal(d.sublist_stats.num_subscriptions, 2);
  assert.equal(accountz(source(), { account: "$SYS" }).account_detail!.is_system, true);
});

Deno.test("accountz: an unknown account is refused with nats-server's message", () => {
  assert.throws(() => accountz(source(), { account: "NOPE" }), {
    name: "MonitorRequestError",
    message: "Account NOPE does not exist",
  });
});

Deno.test("accstatz: accounts with connections, or all with unused", () => {
  let doc = accountStatz(source(), {}, T0);
  assert.deepEqual(doc.account_statz.map((a) => a.acc), ["$G"]);
  assert.deepEqual(doc.account_statz[0], {
    acc: "$G",
    conns: 2,
    leafnodes: 0,
    total_conns: 2,
    num_subscriptions: 2,
    sent: { msgs: 5, bytes: 50 },
    received: { msgs: 3, bytes: 30 },
    slow_consumers: 1,
  });
  doc = accountStatz(source(), { includeUnused: true }, T0);
  assert.deepEqual(doc.account_statz.map((a) => a.acc), ["$G", "$SYS", "IDLE"]);
  doc = accountStatz(source(), { includeUnused: true, accounts: ["IDLE"] }, T0);
  assert.deepEqual(doc.account_statz.map((a) => a.acc), ["IDLE"]);
});
