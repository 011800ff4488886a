/** The system service: events with interest only, request answers, reload and shutdown. */
import assert from "node:assert/strict";
import { SystemService } from "../../../src/system/mod.ts";
import { CloseReason } from "../../../src/conn/close_reason.ts";
import { conn } from "../monitor/_fake_source.ts";
import { FakeHost, listen, request, settle, sysAccount } from "./_fake_host.ts";

function started(host = new FakeHost()): { host: FakeHost; sys: SystemService } {
  const sys = new SystemService(host, { statszFirstMs: 0 });
  sys.start();
  return { host, sys };
}

Deno.test("system: connect and disconnect events go to $SYS.ACCOUNT.<acc>.*", async () => {
  const { host, sys } = started();
  const got = listen(host.accounts.system, "$SYS.ACCOUNT.A.>");
  const c = conn(7, { account: "A", user: "a" });
  sys.clientConnected(c);
  assert.equal(got.length, 0, "nothing is published inside the hook");
  await settle();
  sys.clientDisconnected(c, CloseReason.ClientClosed, Date.now(), true);
  await settle();
  assert.deepEqual(got.map((m) => m.subject), [
    "$SYS.ACCOUNT.A.SERVER.CONNS",
    "$SYS.ACCOUNT.A.CONNECT",
    "$SYS.ACCOUNT.A.SERVER.CONNS",
    "$SYS.ACCOUNT.A.DISCONNECT",
  ]);
  assert.equal(got.json(1).client.id, 7);
  assert.equal(got.json(3).reason, "Client Closed");
  // The server's message sequence rises with every message it sends.
  const seqs = got.map((_, i) => got.json(i).server.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length);
  sys.stop();
});

Deno.test("system: the global account has no connect/disconnect advisories", async () => {
  const { host, sys } = started();
  const got = listen(host.accounts.system, "$SYS.ACCOUNT.*.*");
  const c = conn(7, { account: "$G" });
  sys.clientConnected(c);
  sys.clientDisconnected(c, CloseReason.ClientClosed, Date.now(), true);
  await settle();
  assert.equal(got.length, 0);
  sys.stop();
});

Deno.test("system: a client that never connected gets no disconnect event", async () => {
  const { host, sys } = started();
  const got = listen(host.accounts.system, "$SYS.ACCOUNT.>");
  sys.clientDisconnected(conn(7, { account: "A" }), CloseReason.ParseError, Date.now(), false);
  await settle();
  assert.equal(got.length, 0);
  sys.stop();
});

Deno.test("system: a failed authentication is reported on CLIENT.AUTH.ERR", async () => {
  const { host, sys } = started();
  const got = listen(host.accounts.system, "$SYS.SERVER.*.CLIENT.AUTH.ERR");
  const reason = CloseReason.AuthenticationViolation;
  sys.clientDisconnected(conn(9, { account: "$G" }), reason, Date.now(), false);
  await settle();
  assert.equal(got.length, 1);
  assert.equal(got[0].subject, `$SYS.SERVER.${host.id}.CLIENT.AUTH.ERR`);
  assert.equal(got.json(0).reason, "Authentication Failure");
  assert.equal(got.json(0).type, "io.nats.server.advisory.v1.client_disconnect");
  sys.stop();
});

Deno.test("system: requests are answered on their reply subject, after the delivery", async () => {
  const { host, sys } = started();
  const sysAcc = host.accounts.system;
  const replies = listen(sysAcc, "_INBOX.>");
  request(sysAcc, "$SYS.REQ.SERVER.PING", "_INBOX.1");
  request(sysAcc, "$SYS.REQ.SERVER.PING.VARZ", "_INBOX.2");
  request(sysAcc, `$SYS.REQ.SERVER.${host.id}.CONNZ`, "_INBOX.3", '{"limit":1}');
  request(sysAcc, "$SYS.REQ.SERVER.OTHERID.VARZ", "_INBOX.4");
  request(sysAcc, "$SYS.REQ.SERVER.PING.VARZ", ""); // no reply subject: ignored
  assert.equal(replies.length, 0);
  await settle();
  assert.deepEqual(replies.map((m) => m.subject), ["_INBOX.1", "_INBOX.2", "_INBOX.3"]);
  assert.ok("statsz" in replies.json(0));
  assert.equal(replies.json(1).data.server_id, host.id);
  assert.equal(replies.json(2).data.limit, 1);
  sys.stop();
});

Deno.test("system: the request subjects live only in the system account", () => {
  const { host, sys } = started();
  const subjects = [...host.accounts.system.sublist.entries()].map((s) => s.subject);
  for (
    const s of [
      "$SYS.REQ.SERVER.PING",
      "$SYS.REQ.SERVER.PING.STATSZ",
      "$SYS.REQ.SERVER.PING.VARZ",
      "$SYS.REQ.SERVER.PING.CONNZ",
      "$SYS.REQ.SERVER.PING.SUBSZ",
      "$SYS.REQ.SERVER.PING.HEALTHZ",
      `$SYS.REQ.SERVER.${host.id}.VARZ`,
      "$SYS.REQ.ACCOUNT.*.CONNZ",
    ]
  ) {
    assert.ok(subjects.includes(s), s);
  }
  sys.stop();
  assert.equal([...host.accounts.system.sublist.entries()].length, 0, "stop unsubscribes");
});

Deno.test("system: after a reload the service moves to the new system account", async () => {
  const { host, sys } = started();
  const old = host.accounts.system;
  host.accounts = { system: sysAccount("SYS") };
  sys.accountsChanged();
  assert.equal(sys.account, host.accounts.system);
  assert.equal([...old.sublist.entries()].length, 0);
  const replies = listen(host.accounts.system, "_INBOX.>");
  request(host.accounts.system, "$SYS.REQ.SERVER.PING.HEALTHZ", "_INBOX.x");
  await settle();
  assert.equal(replies.length, 1);
  sys.stop();
});

Deno.test("system: stop publishes the shutdown event, then nothing more", async () => {
  const { host, sys } = started();
  const got = listen(host.accounts.system, "$SYS.>");
  sys.stop();
  assert.equal(got.length, 1);
  assert.equal(got[0].subject, `$SYS.SERVER.${host.id}.SHUTDOWN`);
  assert.equal(got.json(0).id, host.id);
  sys.clientConnected(conn(1, { account: "A" }));
  await settle();
  assert.equal(got.length, 1);
});

Deno.test("system: statsz heartbeats start fast and back off", async () => {
  const host = new FakeHost();
  const got = listen(host.accounts.system, "$SYS.SERVER.*.STATSZ");
  const sys = new SystemService(host, { statszFirstMs: 5, statszIntervalMs: 20 });
  sys.start();
  const deadline = Date.now() + 2000;
  while (got.length < 4 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  sys.stop();
  assert.ok(got.length >= 4, `got ${got.length} heartbeats`);
  assert.ok("statsz" in got.json(0));
});
