import assert from "node:assert/strict";
import { leafz } from "../../../src/monitor/leafz.ts";
import { metrics } from "../../../src/monitor/metrics.ts";
import { varz } from "../../../src/monitor/varz.ts";
import type { LeafSource } from "../../../src/monitor/source.ts";
import { FakeSource, T0 } from "../monitor/_fake_source.ts";

const LINK: LeafSource = {
  name: "edge-1",
  isSpoke: false,
  account: "$G",
  ip: "127.0.0.1",
  port: 51234,
  rttMs: 1.5,
  inMsgs: 3,
  outMsgs: 4,
  inBytes: 30,
  outBytes: 40,
  numSubs: 2,
  subs: () => ["foo", "bar.>"],
};

class LeafSourceFake extends FakeSource {
  monitorLeafs(): LeafSource[] {
    return [LINK, { ...LINK, name: "edge-2", account: "EDGE", isSpoke: true }];
  }
  leafVarz(): Record<string, unknown> {
    return { host: "0.0.0.0", port: 7422, auth_timeout: 2, tls_timeout: 2 };
  }
  leafSlowConsumers(): number {
    return 1;
  }
}

Deno.test("leafz: nats-server's LeafInfo fields, subscriptions on request, filtered by account", () => {
  const src = new LeafSourceFake();
  const doc = leafz(src, {}, T0);
  assert.equal(doc.leafnodes, 2);
  assert.deepEqual(doc.leafs[0], {
    name: "edge-1",
    is_spoke: false,
    account: "$G",
    ip: "127.0.0.1",
    port: 51234,
    rtt: "1.5ms",
    in_msgs: 3,
    out_msgs: 4,
    in_bytes: 30,
    out_bytes: 40,
    subscriptions: 2,
  });
  assert.deepEqual(leafz(src, { subs: true }, T0).leafs[0].subscriptions_list, ["foo", "bar.>"]);
  const edge = leafz(src, { account: "EDGE" }, T0);
  assert.deepEqual(edge.leafs.map((l) => l.name), ["edge-2"]);
});

Deno.test("varz and metrics: leaf counts, the leaf block and per-link series", () => {
  const src = new LeafSourceFake();
  src.stats.slowConsumers = 3;
  const v = varz(src, T0);
  assert.equal(v.leafnodes, 2);
  assert.deepEqual(v.leaf, { host: "0.0.0.0", port: 7422, auth_timeout: 2, tls_timeout: 2 });
  assert.deepEqual(v.slow_consumer_stats, { clients: 2, routes: 0, gateways: 0, leafs: 1 });
  const text = metrics(src);
  assert.match(text, /^gnatsd_leafz_conn_nodes_total\{server_id="[^"]*"\} 2$/m);
  assert.match(text, /^gnatsd_leafz_conn_rtt\{[^}]*name="edge-1"[^}]*\} 0\.0015$/m);
  assert.match(text, /^gnatsd_leafz_conn_out_bytes\{[^}]*account="EDGE"[^}]*\} 40$/m);
  assert.match(text, /^# TYPE gnatsd_leafz_conn_in_msgs counter$/m);
});
