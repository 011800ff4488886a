/** /varz: nats-server's field names, order and units. */
import assert from "node:assert/strict";
import { COMPAT_NATS_VERSION, SKIFF_VERSION } from "../../../src/config/options.ts";
import { varz } from "../../../src/monitor/varz.ts";
import { account, FakeSource, sublistStats, T0 } from "./_fake_source.ts";

Deno.test("varz: durations are Go nanoseconds, timeouts seconds, times RFC 3339", () => {
  const src = new FakeSource();
  src.options.pingIntervalMs = 120_000;
  src.options.writeDeadlineMs = 10_000;
  src.options.authTimeoutMs = 2_500;
  const v = varz(src, T0 + 3_723_000);
  assert.equal(v.ping_interval, 120_000_000_000);
  assert.equal(v.write_deadline, 10_000_000_000);
  assert.equal(v.auth_timeout, 2.5);
  assert.equal(v.tls_timeout, 2);
  assert.equal(v.start, "2024-01-02T03:04:05Z");
  assert.equal(v.now, "2024-01-02T04:06:08Z");
  assert.equal(v.uptime, "1h2m3s");
  assert.equal(v.config_load_time, "2024-01-02T03:04:05Z");
});

Deno.test("varz: counters, connections, subscriptions and usage come from the source", () => {
  const src = new FakeSource();
  Object.assign(src.stats, {
    inMsgs: 10,
    inBytes: 100,
    outMsgs: 20,
    outBytes: 200,
    slowConsumers: 3,
    staleConnections: 4,
  });
  src.totalConnections = 7;
  src.accounts = [
    account("$G", { stats: sublistStats({ numSubscriptions: 5 }) }),
    account("A", { stats: sublistStats({ numSubscriptions: 2 }) }),
  ];
  src.httpReqStats.set("/varz", 2).set("/connz", 1);
  const v = varz(src);
  assert.deepEqual(
    [v.in_msgs, v.in_bytes, v.out_msgs, v.out_bytes, v.slow_consumers, v.stale_connections],
    [10, 100, 20, 200, 3, 4],
  );
  assert.equal(v.slow_consumer_stats.clients, 3);
  assert.equal(v.total_connections, 7);
  assert.equal(v.connections, 0);
  assert.equal(v.subscriptions, 7);
  assert.deepEqual([v.mem, v.cpu, v.cores], [1234567, 12.5, 8]);
  assert.deepEqual(Object.keys(v.http_req_stats), ["/connz", "/varz"]);
});

Deno.test("varz: identity, versions and omitted fields", () => {
  const src = new FakeSource();
  let v = varz(src);
  assert.equal(v.version, COMPAT_NATS_VERSION);
  assert.equal(v.skiff_version, SKIFF_VERSION);
  assert.equal(v.runtime, "deno 2.0.0");
  assert.deepEqual([v.port, v.http_port], [4222, 8222]);
  assert.equal(v.system_account, "$SYS");
  assert.equal("auth_required" in v, false);
  assert.equal("max_subscriptions" in v, false);
  src.authRequired = true;
  src.options.maxSubscriptions = 50;
  src.systemAccount = "";
  v = varz(src);
  assert.equal(v.auth_required, true);
  assert.equal(v.max_subscriptions, 50);
  assert.equal("system_account" in v, false);
  assert.deepEqual(Object.keys(v).slice(0, 8), [
    "server_id",
    "server_name",
    "version",
    "proto",
    "host",
    "port",
    "auth_required",
    "max_connections",
  ]);
});
