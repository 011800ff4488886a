/** /connz: filters, sort keys, paging and rendering of open and closed connections. */
import assert from "node:assert/strict";
import { closedConnRecord, connz, parseConnzQuery } from "../../../src/monitor/connz.ts";
import { MonitorRequestError } from "../../../src/monitor/query.ts";
import type { ClosedConn } from "../../../src/monitor/source.ts";
import { conn, FakeSource, sub, T0 } from "./_fake_source.ts";

const NOW = T0 + 3_600_000;

function closed(cid: number, stopOffsetMs: number, reason: string, over = {}): ClosedConn {
  return closedConnRecord(conn(cid, over), T0 + stopOffsetMs, reason);
}

function cids(src: FakeSource, opts: Parameters<typeof connz>[1]): number[] {
  return connz(src, opts, NOW).connections.map((c) => c.cid);
}

Deno.test("connz: lists open connections in cid order with nats-server's fields", () => {
  const src = new FakeSource();
  src.conns = [conn(2, { name: "svc", lang: "go", version: "1.2", rttMs: 0.5 }), conn(1)];
  const doc = connz(src, {}, NOW);
  assert.equal(doc.server_id, "NFAKESERVERID");
  assert.equal(doc.now, "2024-01-02T04:04:05Z");
  assert.deepEqual([doc.num_connections, doc.total, doc.offset, doc.limit], [2, 2, 0, 1024]);
  assert.deepEqual(doc.connections.map((c) => c.cid), [1, 2]);
  assert.deepEqual(Object.keys(doc.connections[0]), [
    "cid",
    "kind",
    "type",
    "ip",
    "port",
    "start",
    "last_activity",
    "rtt",
    "uptime",
    "idle",
    "pending_bytes",
    "in_msgs",
    "out_msgs",
    "in_bytes",
    "out_bytes",
    "subscriptions",
  ]);
  const c2 = doc.connections[1];
  assert.equal(c2.start, "2024-01-02T03:04:07Z");
  assert.equal(c2.uptime, "59m58s");
  assert.equal(c2.idle, "59m58s");
  assert.equal(c2.rtt, "500µs");
  assert.deepEqual([c2.name, c2.lang, c2.version], ["svc", "go", "1.2"]);
  assert.equal(c2.stop, undefined);
  assert.equal(c2.reason, undefined);
});

Deno.test("connz: every sort key orders as nats-server does (ties in cid order)", () => {
  const src = new FakeSource();
  src.conns = [
    conn(1, { numSubs: 1, pendingBytes: 10, outMsgs: 5, inMsgs: 1, rttMs: 3 }),
    conn(2, { numSubs: 3, pendingBytes: 0, outMsgs: 1, inMsgs: 9, rttMs: 1 }),
    conn(3, { numSubs: 3, pendingBytes: 5, outMsgs: 9, inMsgs: 5, rttMs: 2 }),
  ];
  src.conns = src.conns.map((c, i) => ({
    ...c,
    outBytes: [30, 10, 20][i],
    inBytes: [1, 3, 2][i],
    lastActivity: T0 + [50, 10, 30][i] * 1000,
  }));
  assert.deepEqual(cids(src, { sort: "cid" }), [1, 2, 3]);
  assert.deepEqual(cids(src, { sort: "start" }), [1, 2, 3]);
  assert.deepEqual(cids(src, { sort: "subs" }), [2, 3, 1]);
  assert.deepEqual(cids(src, { sort: "pending" }), [1, 3, 2]);
  assert.deepEqual(cids(src, { sort: "msgs_to" }), [3, 1, 2]);
  assert.deepEqual(cids(src, { sort: "msgs_from" }), [2, 3, 1]);
  assert.deepEqual(cids(src, { sort: "bytes_to" }), [1, 3, 2]);
  assert.deepEqual(cids(src, { sort: "bytes_from" }), [2, 3, 1]);
  assert.deepEqual(cids(src, { sort: "last" }), [1, 3, 2]);
  assert.deepEqual(cids(src, { sort: "idle" }), [2, 3, 1]);
  // Uptime is the one ascending duration: the youngest connection first.
  assert.deepEqual(cids(src, { sort: "uptime" }), [3, 2, 1]);
  assert.deepEqual(cids(src, { sort: "rtt" }), [1, 3, 2]);
});

Deno.test("connz: stop and reason sort closed connections only", () => {
  const src = new FakeSource();
  src.closed = [
    closed(1, 9000, "Stale Connection"),
    closed(2, 5000, "Client Closed"),
    closed(3, 7000, "Authentication Timeout"),
  ];
  assert.deepEqual(cids(src, { sort: "stop", state: "closed" }), [1, 3, 2]);
  assert.deepEqual(cids(src, { sort: "reason", state: "closed" }), [3, 2, 1]);
  assert.throws(() => connz(src, { sort: "stop" }, NOW), {
    name: "MonitorRequestError",
    message: "sort by stop only valid on closed connections",
  });
  assert.throws(() => connz(src, { sort: "reason", state: "any" }, NOW), {
    message: "sort by reason only valid on closed connections",
  });
});

Deno.test("connz: an unknown sort is refused", () => {
  assert.throws(() => connz(new FakeSource(), { sort: "foo" }), {
    name: "MonitorRequestError",
    message: "invalid sorting option: foo",
  });
});

Deno.test("connz: offset and limit page the sorted list; total counts them all", () => {
  const src = new FakeSource();
  src.conns = [1, 2, 3, 4, 5].map((cid) => conn(cid));
  let doc = connz(src, { offset: 1, limit: 2 }, NOW);
  assert.deepEqual(doc.connections.map((c) => c.cid), [2, 3]);
  assert.deepEqual([doc.num_connections, doc.total, doc.offset, doc.limit], [2, 5, 1, 2]);
  doc = connz(src, { offset: 10 }, NOW);
  assert.deepEqual([doc.num_connections, doc.total], [0, 5]);
  assert.deepEqual(doc.connections, []);
  doc = connz(src, { offset: -3, limit: -1 }, NOW);
  assert.deepEqual([doc.offset, doc.limit, doc.num_connections], [0, 1024, 5]);
});

Deno.test("connz: state picks open, closed or both; closed ones keep stop and reason", () => {
  const src = new FakeSource();
  src.conns = [conn(5)];
  src.closed = [closed(2, 4000, "Client Closed")];
  assert.deepEqual(cids(src, {}), [5]);
  assert.deepEqual(cids(src, { state: "closed" }), [2]);
  assert.deepEqual(cids(src, { state: "any" }), [2, 5]);
  const c = connz(src, { state: "closed" }, NOW).connections[0];
  assert.equal(c.stop, "2024-01-02T03:04:09Z");
  assert.equal(c.reason, "Client Closed");
  // Uptime and idle of a closed connection end at its stop, not now.
  assert.equal(c.uptime, "2s");
  assert.deepEqual(Object.keys(c).slice(7, 10), ["stop", "reason", "rtt"]);
});

Deno.test("connz: cid selects one connection, open or closed", () => {
  const src = new FakeSource();
  src.conns = [conn(1), conn(2), conn(3)];
  src.closed = [closed(9, 5000, "Client Closed")];
  let doc = connz(src, { cid: 2 }, NOW);
  assert.deepEqual(doc.connections.map((c) => c.cid), [2]);
  assert.equal(doc.limit, 1);
  doc = connz(src, { cid: 9, state: "any" }, NOW);
  assert.deepEqual(doc.connections.map((c) => c.cid), [9]);
  assert.deepEqual(connz(src, { cid: 42 }, NOW).connections, []);
});

Deno.test("connz: subs lists subjects, subs=detail the subscription details", () => {
  const src = new FakeSource();
  src.conns = [
    conn(1, {
      subList: [
        sub(1, "foo", { sid: "1", msgs: 3 }),
        sub(1, "bar.*", { sid: "2", queue: "q", max: 10 }),
      ],
    }),
    conn(2),
  ];
  let [c1, c2] = connz(src, { subs: true }, NOW).connections;
  assert.deepEqual(c1.subscriptions_list, ["foo", "bar.*"]);
  assert.equal(c1.subscriptions_list_detail, undefined);
  assert.equal("subscriptions_list" in c2, false);
  [c1] = connz(src, { subsDetail: true, subs: true }, NOW).connections;
  assert.equal(c1.subscriptions_list, undefined);
  assert.deepEqual(c1.subscriptions_list_detail, [
    { subject: "foo", sid: "1", msgs: 3, cid: 1 },
    { subject: "bar.*", qgroup: "q", sid: "2", msgs: 0, max: 10, cid: 1 },
  ]);
  assert.equal(connz(src, {}, NOW).connections[0].subscriptions_list, undefined);
});

Deno.test("connz: auth adds the user, and the account unless it is $G", () => {
  const src = new FakeSource();
  src.conns = [conn(1, { user: "alice" }), conn(2, { user: "bob", account: "A" })];
  const plain = connz(src, {}, NOW).connections;
  assert.equal(plain[0].authorized_user, undefined);
  const [a, b] = connz(src, { auth: true }, NOW).connections;
  assert.equal(a.authorized_user, "alice");
  assert.equal(a.account, undefined);
  assert.equal(b.authorized_user, "bob");
  assert.equal(b.account, "A");
});

Deno.test("connz: user and acc filter open and closed connections", () => {
  const src = new FakeSource();
  src.conns = [conn(1, { user: "alice" }), conn(2, { user: "bob", account: "A" })];
  src.closed = [closed(3, 1000, "Client Closed", { user: "bob", account: "A" })];
  assert.deepEqual(cids(src, { user: "bob", state: "any" }), [2, 3]);
  assert.deepEqual(cids(src, { account: "A" }), [2]);
  assert.deepEqual(cids(src, { account: "$G", state: "any" }), [1]);
  assert.equal(connz(src, { account: "nope" }, NOW).total, 0);
});

Deno.test("connz: a closed connection's subscription details name the account", () => {
  const src = new FakeSource();
  src.conns = [conn(1, { subList: [sub(1, "open.sub")] })];
  src.closed = [closed(2, 1000, "Client Closed", { account: "A", subList: [sub(2, "gone")] })];
  const [open, gone] = connz(src, { state: "any", subsDetail: true }, NOW).connections;
  assert.equal(open.subscriptions_list_detail![0].account, undefined);
  assert.deepEqual(gone.subscriptions_list_detail, [
    { account: "A", subject: "gone", sid: "1", msgs: 0, cid: 2 },
  ]);
});

Deno.test("closedConnRecord() snapshots the subscriptions at close", () => {
  const subs = [sub(1, "foo")];
  const record = closedConnRecord(conn(1, { subList: subs }), T0, "Client Closed");
  subs.length = 0;
  assert.equal(record.subs.length, 1);
  assert.equal(record.numSubs, 1);
});

Deno.test("parseConnzQuery() decodes in nats-server's order and names the bad argument", () => {
  const opts = parseConnzQuery(
    new URLSearchParams("sort=bytes_to&auth=1&subs=detail&offset=2&limit=3&cid=4&state=any&acc=A"),
  );
  assert.deepEqual(opts, {
    sort: "bytes_to",
    auth: true,
    subs: false,
    subsDetail: true,
    offset: 2,
    limit: 3,
    cid: 4,
    state: "any",
    user: "",
    account: "A",
  });
  assert.throws(() => parseConnzQuery(new URLSearchParams("auth=x&limit=y")), /'auth'/);
  assert.throws(() => parseConnzQuery(new URLSearchParams("limit=y&state=z")), /'limit'/);
  assert.throws(() => parseConnzQuery(new URLSearchParams("state=z")), MonitorRequestError);
});
