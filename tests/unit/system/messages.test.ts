/** System event JSON: field names, order and omissions as nats-server 2.9.10 sends them. */
import assert from "node:assert/strict";
import {
  accountConnsEvent,
  clientInfo,
  connectEvent,
  disconnectEvent,
  type ServerInfo,
} from "../../../src/system/mod.ts";
import { conn, T0 } from "../monitor/_fake_source.ts";

const SERVER: ServerInfo = {
  name: "s1",
  host: "127.0.0.1",
  id: "NSERVER",
  ver: "2.9.0",
  seq: 7,
  jetstream: false,
  time: "2024-01-02T03:04:05Z",
};

const client = conn(6, {
  account: "A",
  user: "a",
  name: "probe-a",
  lang: "nats.js",
  version: "3.4.0",
  rttMs: 3.727156,
  inMsgs: 1,
  inBytes: 5,
  outMsgs: 2,
  outBytes: 9,
});

Deno.test("system messages: a connect event has nats-server 2.9's fields in its order", () => {
  const e = connectEvent("EVID", T0, SERVER, client);
  assert.deepEqual(Object.keys(e), ["type", "id", "timestamp", "server", "client"]);
  assert.deepEqual(e.type, "io.nats.server.advisory.v1.client_connect");
  assert.deepEqual(e.timestamp, "2024-01-02T03:04:05Z");
  // Probed from nats-server 2.9.10: no rtt and no stop at connect time.
  assert.deepEqual(Object.keys(e.client), [
    "start",
    "host",
    "id",
    "acc",
    "user",
    "name",
    "lang",
    "ver",
    "kind",
    "client_type",
  ]);
  assert.deepEqual(e.client.id, 6);
  assert.deepEqual(e.client.kind, "Client");
  assert.deepEqual(e.client.client_type, "nats");
});

Deno.test("system messages: a disconnect event counts what the client sent and received", () => {
  const e = disconnectEvent("EVID", T0 + 1500, SERVER, client, "Client Closed");
  assert.deepEqual(Object.keys(e), [
    "type",
    "id",
    "timestamp",
    "server",
    "client",
    "sent",
    "received",
    "reason",
  ]);
  assert.deepEqual(e.type, "io.nats.server.advisory.v1.client_disconnect");
  // `sent` is what the client published (the server's inbound), `received` what it got.
  assert.deepEqual(e.sent, { msgs: 1, bytes: 5 });
  assert.deepEqual(e.received, { msgs: 2, bytes: 9 });
  assert.deepEqual(e.client.rtt, 3727156);
  assert.deepEqual(e.client.stop, "2024-01-02T03:04:06.5Z");
  assert.deepEqual(e.timestamp, e.client.stop);
  assert.deepEqual(Object.keys(e.client).slice(-4), ["rtt", "stop", "kind", "client_type"]);
});

Deno.test("system messages: empty client fields are left out, the account never", () => {
  const info = clientInfo(conn(3, { ip: "", account: "$G" }), T0);
  assert.deepEqual(info.acc, "$G");
  for (const key of ["host", "user", "name", "lang", "ver", "rtt"]) {
    assert.deepEqual(key in info, false, key);
  }
});

Deno.test("system messages: account connection counts", () => {
  const e = accountConnsEvent("EVID", T0, SERVER, {
    name: "A",
    clientConnections: 2,
    leafConnections: 1,
    sent: { msgs: 3, bytes: 30 },
    received: { msgs: 4, bytes: 40 },
    slowConsumers: 0,
  });
  assert.deepEqual(e.type, "io.nats.server.advisory.v1.account_connections");
  assert.deepEqual(Object.keys(e), [
    "type",
    "id",
    "timestamp",
    "server",
    "acc",
    "conns",
    "leafnodes",
    "total_conns",
    "sent",
    "received",
    "slow_consumers",
  ]);
  assert.deepEqual(e.total_conns, 3);
});
