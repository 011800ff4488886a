/** The endpoints whose features have not landed keep nats-server's shape and option checks. */
import assert from "node:assert/strict";
import { gatewayz, parseGatewayzQuery } from "../../../src/monitor/gatewayz.ts";
import { healthz, parseHealthzQuery } from "../../../src/monitor/healthz.ts";
import { jsz, parseJszQuery } from "../../../src/monitor/jsz.ts";
import { leafz, parseLeafzQuery } from "../../../src/monitor/leafz.ts";
import { MonitorRequestError } from "../../../src/monitor/query.ts";
import { parseRoutezQuery, routez } from "../../../src/monitor/routez.ts";
import { FakeSource, T0 } from "./_fake_source.ts";

const q = (s: string) => new URLSearchParams(s);

Deno.test("routez: no routes yet", () => {
  const doc = routez(new FakeSource(), {}, T0);
  assert.deepEqual(doc, {
    server_id: "NFAKESERVERID",
    server_name: "fake",
    now: "2024-01-02T03:04:05Z",
    num_routes: 0,
    routes: [],
  });
  assert.deepEqual(parseRoutezQuery(q("subs=detail")), { subs: false, subsDetail: true });
  assert.throws(() => parseRoutezQuery(q("subs=x")), MonitorRequestError);
});

Deno.test("gatewayz: no gateway yet, empty maps", () => {
  const doc = gatewayz(new FakeSource(), {}, T0);
  assert.deepEqual(Object.keys(doc), ["server_id", "now", "outbound_gateways", "inbound_gateways"]);
  assert.deepEqual(parseGatewayzQuery(q("acc_name=A")), {
    name: "",
    accounts: true,
    accountName: "A",
  });
  assert.throws(() => parseGatewayzQuery(q("accs=x")), MonitorRequestError);
});

Deno.test("leafz: no leaf nodes yet", () => {
  const doc = leafz(new FakeSource(), {}, T0);
  assert.deepEqual([doc.leafnodes, doc.leafs], [0, []]);
  assert.throws(() => parseLeafzQuery(q("subs=x")), MonitorRequestError);
});

Deno.test("jsz: reports JetStream disabled with the full field shape", () => {
  const doc = jsz(new FakeSource(), {}, T0);
  assert.equal(doc.disabled, true);
  assert.deepEqual(doc.config, { max_memory: 0, max_storage: 0 });
  assert.deepEqual(doc.api, { total: 0, errors: 0 });
  assert.throws(() => jsz(new FakeSource(), { leaderOnly: true }), {
    message: "filtered response: not leader",
  });
  assert.deepEqual(parseJszQuery(q("accounts=1&limit=5&acc=A")), {
    account: "A",
    accounts: true,
    streams: false,
    consumers: false,
    config: false,
    leaderOnly: false,
    offset: 0,
    limit: 5,
    raft: false,
  });
  assert.throws(() => parseJszQuery(q("raft=x")), /'raft'/);
});

Deno.test("healthz: ok while listening, an error before", () => {
  const src = new FakeSource();
  assert.deepEqual(healthz(src), { status: "ok" });
  src.boundPorts = { client: 0, http: 8222 };
  assert.equal(healthz(src).status, "error");
  assert.throws(() => parseHealthzQuery(q("js-enabled-only=x")), MonitorRequestError);
});
