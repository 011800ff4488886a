/**
 * `/metrics`: the monitoring data as Prometheus series. Where prometheus-nats-exporter has a
 * series for the same value the name is its name (`gnatsd_<endpoint>_<json field>`, label
 * `server_id`), so dashboards built on the exporter keep working; the exporter declares
 * everything a gauge, here running totals are counters. Skiff-only series start `skiff_`.
 */
import { accountStatz } from "./accountz.ts";
import { healthz } from "./healthz.ts";
import { type Labels, PrometheusText, type Sample } from "./prometheus.ts";
import type { LeafSource, MonitorSource } from "./source.ts";
import { sumSublistStats } from "./subsz.ts";
import { varz } from "./varz.ts";

export { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";

/**
 * Per-link leaf series, named as prometheus-nats-exporter's leafz collector names them
 * (`gnatsd_leafz_conn_*`, labels account, ip, port, name); RTT in seconds.
 */
function leafSeries(p: PrometheusText, src: MonitorSource, id: Labels): void {
  const leafs = src.monitorLeafs?.() ?? [];
  p.one("gnatsd_leafz_conn_nodes_total", "gauge", "Leaf node links", id, leafs.length);
  const per = (pick: (l: LeafSource) => number): Sample[] =>
    leafs.map((l) => ({
      labels: {
        ...id,
        account: l.account,
        ip: l.ip,
        port: String(l.port),
        name: l.name,
        is_spoke: String(l.isSpoke),
      },
      value: pick(l),
    }));
  p.family(
    "gnatsd_leafz_conn_rtt",
    "gauge",
    "Leaf link round-trip time in seconds",
    per((l) => l.rttMs / 1000),
  );
  p.family(
    "gnatsd_leafz_conn_in_msgs",
    "counter",
    "Messages received over the leaf link",
    per(
      (l) => l.inMsgs,
    ),
  );
  p.family(
    "gnatsd_leafz_conn_out_msgs",
    "counter",
    "Messages sent over the leaf link",
    per(
      (l) => l.outMsgs,
    ),
  );
  p.family(
    "gnatsd_leafz_conn_in_bytes",
    "counter",
    "Payload bytes received over the leaf link",
    per(
      (l) => l.inBytes,
    ),
  );
  p.family(
    "gnatsd_leafz_conn_out_bytes",
    "counter",
    "Payload bytes sent over the leaf link",
    per(
      (l) => l.outBytes,
    ),
  );
  p.family(
    "gnatsd_leafz_conn_subscriptions",
    "gauge",
    "The peer's subscriptions on the link",
    per(
      (l) => l.numSubs,
    ),
  );
}

export function metrics(src: MonitorSource): string {
  const v = varz(src);
  const id: Labels = { server_id: src.id };
  const p = new PrometheusText();

  p.one("gnatsd_varz_server_name", "gauge", "Server name (value label)", {
    ...id,
    value: v.server_name,
  }, 1);
  p.one("gnatsd_varz_version", "gauge", "Compatible nats-server version (value label)", {
    ...id,
    value: v.version,
  }, 1);
  p.one("skiff_info", "gauge", "Skiff build and runtime", {
    ...id,
    skiff_version: v.skiff_version,
    runtime: v.runtime,
  }, 1);

  const gauge = (name: string, help: string, value: number) =>
    p.one(`gnatsd_varz_${name}`, "gauge", help, id, value);
  const counter = (name: string, help: string, value: number) =>
    p.one(`gnatsd_varz_${name}`, "counter", help, id, value);

  gauge("connections", "Open client connections", v.connections);
  counter("total_connections", "Client connections accepted since start", v.total_connections);
  gauge("subscriptions", "Subscriptions in all accounts", v.subscriptions);
  counter("in_msgs", "Messages received from clients", v.in_msgs);
  counter("out_msgs", "Messages delivered to clients", v.out_msgs);
  counter("in_bytes", "Payload bytes received from clients", v.in_bytes);
  counter("out_bytes", "Payload bytes delivered to clients", v.out_bytes);
  counter("slow_consumers", "Connections closed as slow consumers", v.slow_consumers);
  counter("stale_connections", "Connections closed as stale", v.stale_connections);
  gauge("mem", "Resident set size in bytes", v.mem);
  gauge("cpu", "CPU use in percent of one core", v.cpu);
  gauge("cores", "Logical CPU cores", v.cores);
  gauge("routes", "Cluster routes", v.routes);
  gauge("remotes", "Remote servers in the cluster", v.remotes);
  gauge("leafnodes", "Leaf node connections", v.leafnodes);
  gauge("max_connections", "Configured connection limit", v.max_connections);
  gauge("max_payload", "Configured maximum payload in bytes", v.max_payload);
  gauge("max_pending", "Configured per-connection pending limit in bytes", v.max_pending);
  gauge("max_control_line", "Configured maximum control line in bytes", v.max_control_line);
  gauge("ping_interval", "Configured ping interval in nanoseconds", v.ping_interval);
  gauge("ping_max", "Configured unanswered pings before a connection is stale", v.ping_max);
  gauge("write_deadline", "Configured write deadline in nanoseconds", v.write_deadline);
  gauge("auth_timeout", "Configured authentication timeout in seconds", v.auth_timeout);
  gauge("proto", "Client protocol version", v.proto);
  gauge("port", "Client port", v.port);
  gauge("http_port", "Monitoring port", v.http_port);

  p.one(
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since unix epoch in seconds",
    id,
    src.startedAt.getTime() / 1000,
  );
  p.one("process_resident_memory_bytes", "gauge", "Resident memory size in bytes", id, v.mem);

  const sl = sumSublistStats(src.monitorAccounts().map((a) => a.sublistStats()));
  p.one("gnatsd_subsz_num_subscriptions", "gauge", "Subscriptions", id, sl.numSubscriptions);
  p.one("gnatsd_subsz_num_cache", "gauge", "Cached match results", id, sl.numCache);
  p.one("gnatsd_subsz_num_inserts", "counter", "Subscriptions inserted", id, sl.numInserts);
  p.one("gnatsd_subsz_num_removes", "counter", "Subscriptions removed", id, sl.numRemoves);
  p.one("gnatsd_subsz_num_matches", "counter", "Subject match lookups", id, sl.numMatches);
  p.one("gnatsd_subsz_cache_hit_rate", "gauge", "Match cache hit rate", id, sl.cacheHitRate);
  p.one("gnatsd_subsz_max_fanout", "gauge", "Largest cached fan-out", id, sl.maxFanout);
  p.one("gnatsd_subsz_avg_fanout", "gauge", "Average cached fan-out", id, sl.avgFanout);

  let pending = 0;
  let connSubs = 0;
  for (const c of src.monitorConnections()) {
    pending += c.pendingBytes;
    connSubs += c.numSubs;
  }
  p.one("gnatsd_connz_num_connections", "gauge", "Open connections", id, v.connections);
  p.one("gnatsd_connz_total", "gauge", "Open connections", id, v.connections);
  p.one("gnatsd_connz_pending_bytes", "gauge", "Bytes queued to clients", id, pending);
  p.one("gnatsd_connz_subscriptions", "gauge", "Subscriptions of open connections", id, connSubs);
  p.one("gnatsd_routez_num_routes", "gauge", "Cluster routes", id, v.routes);
  leafSeries(p, src, id);
  p.one(
    "gnatsd_healthz_status",
    "gauge",
    "Health: 0 when healthy, 1 otherwise",
    id,
    healthz(src).status === "ok" ? 0 : 1,
  );

  const accounts = accountStatz(src, { includeUnused: true }).account_statz;
  const perAccount = (pick: (a: typeof accounts[number]) => number): Sample[] =>
    accounts.map((a) => ({
      labels: { ...id, account: a.acc, account_id: a.acc, account_name: a.acc },
      value: pick(a),
    }));
  const accFamily = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    pick: (a: typeof accounts[number]) => number,
  ) => p.family(`gnatsd_accstatz_${name}`, type, help, perAccount(pick));
  accFamily("current_connections", "gauge", "Open client connections", (a) => a.conns);
  accFamily("total_connections", "gauge", "Open client and leaf connections", (a) => a.total_conns);
  accFamily("subscriptions", "gauge", "Subscriptions", (a) => a.num_subscriptions);
  accFamily("leaf_nodes", "gauge", "Leaf node connections", (a) => a.leafnodes);
  accFamily("sent_messages", "counter", "Messages delivered", (a) => a.sent.msgs);
  accFamily("sent_bytes", "counter", "Payload bytes delivered", (a) => a.sent.bytes);
  accFamily("received_messages", "counter", "Messages received", (a) => a.received.msgs);
  accFamily("received_bytes", "counter", "Payload bytes received", (a) => a.received.bytes);
  accFamily("slow_consumers", "counter", "Slow consumers", (a) => a.slow_consumers);

  const requests: Sample[] = [...src.httpReqStats.keys()].sort().map((path) => ({
    labels: { ...id, path },
    value: src.httpReqStats.get(path)!,
  }));
  p.family("skiff_http_requests_total", "counter", "Monitoring requests by path", requests);
  return p.toString();
}
