/** /metrics: prometheus-nats-exporter's names, counters vs gauges, per-account series. */
import assert from "node:assert/strict";
import { metrics } from "../../../src/monitor/metrics.ts";
import { account, conn, FakeSource, sublistStats } from "./_fake_source.ts";
import { parsePrometheusText } from "./_prometheus_parse.ts";

function source(): FakeSource {
  const src = new FakeSource();
  Object.assign(src.stats, { inMsgs: 11, inBytes: 111, outMsgs: 22, outBytes: 222 });
  src.totalConnections = 9;
  src.conns = [conn(1, { pendingBytes: 7, numSubs: 2 }), conn(2, { pendingBytes: 3 })];
  src.accounts = [
    account("$G", {
      clientConnections: 2,
      stats: sublistStats({ numSubscriptions: 2, numInserts: 4, numMatches: 5 }),
      sent: { msgs: 22, bytes: 222 },
      received: { msgs: 11, bytes: 111 },
    }),
    account("$SYS", { isSystem: true }),
  ];
  src.httpReqStats.set("/metrics", 1);
  return src;
}

Deno.test("metrics: parses as Prometheus text; every sample carries server_id", () => {
  const families = parsePrometheusText(metrics(source()));
  assert.ok(families.size > 40);
  for (const f of families.values()) {
    assert.notEqual(f.help, "", f.name);
    assert.ok(f.type === "counter" || f.type === "gauge", f.name);
    for (const s of f.samples) assert.equal(s.labels.server_id, "NFAKESERVERID", f.name);
  }
});

Deno.test("metrics: running totals are counters, levels are gauges", () => {
  const families = parsePrometheusText(metrics(source()));
  const value = (name: string) => families.get(name)!.samples[0].value;
  const type = (name: string) => families.get(name)!.type;
  for (
    const name of [
      "gnatsd_varz_in_msgs",
      "gnatsd_varz_out_msgs",
      "gnatsd_varz_in_bytes",
      "gnatsd_varz_out_bytes",
      "gnatsd_varz_total_connections",
      "gnatsd_varz_slow_consumers",
      "gnatsd_subsz_num_inserts",
      "gnatsd_subsz_num_matches",
      "gnatsd_accstatz_sent_messages",
      "skiff_http_requests_total",
    ]
  ) assert.equal(type(name), "counter", name);
  for (
    const name of [
      "gnatsd_varz_connections",
      "gnatsd_varz_subscriptions",
      "gnatsd_varz_mem",
      "gnatsd_varz_cpu",
      "gnatsd_connz_pending_bytes",
      "gnatsd_subsz_num_subscriptions",
      "gnatsd_accstatz_current_connections",
    ]
  ) assert.equal(type(name), "gauge", name);
  assert.equal(value("gnatsd_varz_in_msgs"), 11);
  assert.equal(value("gnatsd_varz_out_bytes"), 222);
  assert.equal(value("gnatsd_varz_total_connections"), 9);
  assert.equal(value("gnatsd_varz_connections"), 2);
  assert.equal(value("gnatsd_varz_mem"), 1234567);
  assert.equal(value("gnatsd_connz_pending_bytes"), 10);
  assert.equal(value("gnatsd_subsz_num_inserts"), 4);
  assert.equal(value("gnatsd_healthz_status"), 0);
});

Deno.test("metrics: version and name are value-labelled gauges, as the exporter writes them", () => {
  const families = parsePrometheusText(metrics(source()));
  assert.deepEqual(
    families.get("gnatsd_varz_version")!.samples[0].labels.value.split(".").length,
    3,
  );
  assert.equal(families.get("gnatsd_varz_server_name")!.samples[0].labels.value, "fake");
  assert.equal(families.get("skiff_info")!.samples[0].labels.runtime, "deno 2.0.0");
});

Deno.test("metrics: one sample per account in the accstatz families", () => {
  const families = parsePrometheusText(metrics(source()));
  const sent = families.get("gnatsd_accstatz_sent_messages")!.samples;
  assert.deepEqual(sent.map((s) => [s.labels.account, s.value]), [["$G", 22], ["$SYS", 0]]);
  const recv = families.get("gnatsd_accstatz_received_bytes")!.samples;
  assert.equal(recv[0].value, 111);
});
