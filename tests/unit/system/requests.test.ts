/** `$SYS.REQ.*` answers: option mapping onto the monitor functions, envelopes, error codes. */
import assert from "node:assert/strict";
import {
  ACCOUNT_ENDPOINTS,
  endpointRequest,
  SERVER_ENDPOINTS,
  statszRequest,
} from "../../../src/system/requests.ts";
import type { ServerInfo } from "../../../src/system/mod.ts";
import { closedConnRecord } from "../../../src/monitor/connz.ts";
import { account, conn, FakeSource, sub, T0 } from "../monitor/_fake_source.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const SERVER = { name: "fake", id: "NFAKESERVERID", seq: 1 } as ServerInfo;
const TARGET = { name: "fake", host: "0.0.0.0", cluster: "", tags: [], domain: "" };

function source(): FakeSource {
  const src = new FakeSource();
  src.conns = [
    conn(1, { account: "A", user: "a", subList: [sub(1, "a.>")] }),
    conn(2, { account: "B", user: "b" }),
  ];
  src.closed = [closedConnRecord(conn(3, { account: "A" }), T0 + 9000, "Client Closed")];
  src.accounts = [
    account("$G"),
    account("$SYS", { isSystem: true }),
    account("A", { clientConnections: 1, subs: [sub(1, "a.>")] }),
    account("B", { clientConnections: 1 }),
  ];
  return src;
}

// deno-lint-ignore no-explicit-any
function ask(name: string, body = "", acc?: string): any {
  const endpoints = acc === undefined ? SERVER_ENDPOINTS : ACCOUNT_ENDPOINTS;
  const build = endpointRequest(source(), TARGET, endpoints[name], enc(body), acc);
  return build === null ? null : build(SERVER);
}

Deno.test("sys requests: a reply is {server, data} with the monitor document", () => {
  const r = ask("VARZ");
  assert.deepEqual(Object.keys(r), ["server", "data"]);
  assert.equal(r.server, SERVER);
  assert.equal(r.data.server_id, "NFAKESERVERID");
  assert.equal(ask("HEALTHZ").data.status, "ok");
});

Deno.test("sys requests: connz options map to the /connz query (state is 0, 1 or 2)", () => {
  assert.equal(ask("CONNZ").data.num_connections, 2);
  const closed = ask("CONNZ", '{"state":1}').data;
  assert.deepEqual(closed.connections.map((c: { cid: number }) => c.cid), [3]);
  assert.equal(ask("CONNZ", '{"state":2}').data.total, 3);
  const byAcc = ask("CONNZ", '{"acc":"B","auth":true}').data;
  assert.deepEqual(byAcc.connections.map((c: { account: string }) => c.account), ["B"]);
  const subs = ask("CONNZ", '{"subscriptions":true,"cid":1}').data;
  assert.deepEqual(subs.connections[0].subscriptions_list, ["a.>"]);
  assert.equal(ask("CONNZ", '{"state":7}').error.code, 500);
});

Deno.test("sys requests: subsz is the whole document, listing only when asked", () => {
  const plain = ask("SUBSZ").data;
  assert.equal(plain.total, 0);
  assert.equal(plain.subscriptions_list, undefined);
  const listed = ask("SUBSZ", '{"subscriptions":true,"test":"a.b"}').data;
  assert.equal(listed.subscriptions_list.length, 1);
});

Deno.test("sys requests: a body that does not decode is a 400 without data", () => {
  const r = ask("CONNZ", '{"limit":"ten"}');
  assert.deepEqual(Object.keys(r), ["server", "error"]);
  assert.equal(r.error.code, 400);
});

Deno.test("sys requests: options the data function refuses are a 500 with data null", () => {
  const r = ask("CONNZ", '{"sort":"bogus"}');
  assert.deepEqual(r, {
    server: SERVER,
    data: null,
    error: { code: 500, description: "invalid sorting option: bogus" },
  });
});

Deno.test("sys requests: a filter naming another server gets no reply at all", () => {
  assert.equal(ask("VARZ", '{"server_name":"other"}'), null);
  assert.notEqual(ask("VARZ", '{"server_name":"fa"}'), null);
});

Deno.test("sys requests: account-scoped requests are limited to that account", () => {
  const c = ask("CONNZ", "", "A").data;
  assert.deepEqual(c.connections.map((x: { cid: number }) => x.cid), [1]);
  const s = ask("SUBSZ", "", "A").data;
  assert.equal(s.subscriptions_list.length, 1, "an account's subsz always lists");
  assert.equal(ask("INFO", "", "B").data.account_name, "B");
  assert.equal(ask("INFO", "", "NOPE").error.code, 500);
});

Deno.test("sys requests: statsz replies {server, statsz}", () => {
  const src = source();
  src.stats.inMsgs = 4;
  src.stats.outBytes = 99;
  src.totalConnections = 5;
  // deno-lint-ignore no-explicit-any
  const r = statszRequest(src, TARGET, enc(""))!(SERVER) as any;
  assert.deepEqual(Object.keys(r), ["server", "statsz"]);
  assert.deepEqual(Object.keys(r.statsz), [
    "start",
    "mem",
    "cores",
    "cpu",
    "connections",
    "total_connections",
    "active_accounts",
    "subscriptions",
    "sent",
    "received",
    "slow_consumers",
    "active_servers",
  ]);
  assert.equal(r.statsz.active_accounts, 2);
  assert.equal(r.statsz.total_connections, 5);
  assert.deepEqual(r.statsz.received, { msgs: 4, bytes: 0 });
  assert.equal(r.statsz.sent.bytes, 99);
  assert.equal(statszRequest(src, TARGET, enc('{"host":"10.9"}')), null);
  // deno-lint-ignore no-explicit-any
  assert.equal((statszRequest(src, TARGET, enc("{x"))!(SERVER) as any).error.code, 400);
});
