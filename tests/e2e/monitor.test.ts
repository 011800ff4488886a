/**
 * HTTP monitoring against a server process: each endpoint's document and values, bad query
 * arguments, the ports file, Skiff's /metrics, and a field-set comparison with the reference
 * nats-server (every key nats-server returns must also be in Skiff's answer).
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { serverSuite, serverTest } from "../_helpers/suite.ts";
import { annotate, freePort, isReference, startServer } from "../_helpers/server.ts";
import { RawClient } from "../_helpers/raw_client.ts";
import { parsePrometheusText } from "../unit/monitor/_prometheus_parse.ts";

type Json = Record<string, unknown>;

interface Reply {
  status: number;
  contentType: string;
  text: string;
}

async function get(port: number, path: string): Promise<Reply> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    text: await res.text(),
  };
}

async function getJson(port: number, path: string): Promise<Json> {
  const r = await get(port, path);
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  assert.match(r.contentType, /^application\/json/, path);
  return JSON.parse(r.text) as Json;
}

/** Polls `probe` until it returns a value (the server closes sockets asynchronously). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function withClient(
  url: string,
  name: string,
  body: (nc: NatsConnection) => Promise<void>,
): Promise<void> {
  const nc = await connect({ servers: url, name, timeout: 5000 });
  try {
    await body(nc);
  } finally {
    await nc.close();
  }
}

type Conn = Json & { cid: number; name?: string };

function connections(doc: Json): Conn[] {
  return doc.connections as Conn[];
}

const MPORT = freePort();

serverSuite("monitoring endpoints", { args: ["-m", String(MPORT)] }, (test) => {
  test("every endpoint answers 200 JSON with nats-server's top-level fields", async () => {
    const expected: Record<string, string[]> = {
      "/varz": ["server_id", "version", "connections", "in_msgs", "mem", "uptime", "start"],
      "/connz": ["server_id", "now", "num_connections", "total", "offset", "limit"],
      "/subsz": ["num_subscriptions", "num_cache", "num_matches", "cache_hit_rate"],
      "/subscriptionsz": ["num_subscriptions", "max_fanout", "avg_fanout"],
      "/routez": ["server_id", "now", "num_routes", "routes"],
      "/gatewayz": ["server_id", "now", "outbound_gateways", "inbound_gateways"],
      "/leafz": ["server_id", "now", "leafnodes", "leafs"],
      "/accountz": ["server_id", "now", "accounts"],
      "/accstatz": ["server_id", "now", "account_statz"],
      "/jsz": ["server_id", "now", "disabled", "config", "streams", "consumers", "api"],
      "/healthz": ["status"],
    };
    for (const [path, keys] of Object.entries(expected)) {
      const doc = await getJson(MPORT, path);
      for (const k of keys) assert.ok(k in doc, `${path} lacks ${k}`);
    }
    assert.deepEqual(await getJson(MPORT, "/healthz"), { status: "ok" });
    assert.equal((await getJson(MPORT, "/jsz")).disabled, true);
  });

  test("varz reports the listening ports and Go units", async (srv) => {
    const v = await getJson(MPORT, "/varz");
    assert.equal(v.port, srv.port);
    assert.equal(v.http_port, MPORT);
    assert.equal(v.ping_interval, 120_000_000_000);
    assert.equal(v.write_deadline, 10_000_000_000);
    assert.equal(v.auth_timeout, 2);
    assert.match(v.start as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.match(v.uptime as string, /^(\d+[ydhm])*\d+s$/);
    assert.ok((v.mem as number) > 0);
  });

  test("connz shows a named client with its subscriptions", async (srv) => {
    await withClient(srv.url, "monitor-e2e", async (nc) => {
      nc.subscribe("mon.a");
      nc.subscribe("mon.b.*", { queue: "q" });
      await nc.flush();
      const doc = await getJson(MPORT, "/connz?subs=true");
      const c = connections(doc).find((c) => c.name === "monitor-e2e");
      assert.ok(c, JSON.stringify(doc));
      assert.equal(c.subscriptions, 2);
      assert.deepEqual((c.subscriptions_list as string[]).sort(), ["mon.a", "mon.b.*"]);
      assert.equal(c.kind, "Client");
      assert.equal(c.type, "nats");
      assert.equal(c.ip, "127.0.0.1");
      assert.ok(typeof c.lang === "string" && c.lang !== "");

      const detail = await getJson(MPORT, `/connz?subs=detail&cid=${c.cid}`);
      assert.deepEqual(connections(detail).map((x) => x.cid), [c.cid]);
      const subs = connections(detail)[0].subscriptions_list_detail as Json[];
      const queued = subs.find((s) => s.subject === "mon.b.*")!;
      assert.equal(queued.qgroup, "q");
      assert.equal(queued.cid, c.cid);
    });
  });

  test("varz and connz count a publish", async (srv) => {
    await withClient(srv.url, "counter-e2e", async (nc) => {
      const before = await getJson(MPORT, "/varz");
      for (let i = 0; i < 5; i++) nc.publish("mon.count", new TextEncoder().encode("hello"));
      await nc.flush();
      const after = await getJson(MPORT, "/varz");
      assert.ok((after.in_msgs as number) - (before.in_msgs as number) >= 5);
      assert.ok((after.in_bytes as number) - (before.in_bytes as number) >= 25);
      const c = connections(await getJson(MPORT, "/connz")).find((c) => c.name === "counter-e2e")!;
      assert.equal(c.in_msgs, 5);
      assert.equal(c.in_bytes, 25);
    });
  });

  test("subsz test= lists the subscriptions a publish would reach", async (srv) => {
    await withClient(srv.url, "subsz-e2e", async (nc) => {
      nc.subscribe("mon.x.*");
      nc.subscribe("mon.x.y");
      nc.subscribe("mon.other");
      await nc.flush();
      const doc = await getJson(MPORT, "/subsz?subs=true&test=mon.x.y");
      const subjects = (doc.subscriptions_list as Json[]).map((s) => s.subject).sort();
      assert.deepEqual(subjects, ["mon.x.*", "mon.x.y"]);
      assert.equal((doc.subscriptions_list as Json[])[0].account, "$G");
      assert.ok((doc.num_subscriptions as number) >= 3);
    });
  });

  test("closed connections are listed with their reason", async (srv) => {
    const c = await RawClient.open(srv.port, { name: "closing-e2e", verbose: false });
    await c.send("SUB mon.closed 7\r\n");
    await c.barrier();
    await c.close();
    const gone = await eventually(async () => {
      const doc = await getJson(MPORT, "/connz?state=closed&subs=true");
      return connections(doc).find((x) => x.name === "closing-e2e");
    }, "the closed connection in /connz?state=closed");
    assert.equal(gone.reason, "Client Closed");
    assert.match(gone.stop as string, /Z$/);
    assert.deepEqual(gone.subscriptions_list, ["mon.closed"]);
    const any = await getJson(MPORT, "/connz?state=any&sort=cid");
    assert.ok(connections(any).some((x) => x.cid === gone.cid));
    const byStop = await getJson(MPORT, "/connz?state=closed&sort=stop");
    assert.ok(connections(byStop).length >= 1);
  });

  test("bad query arguments are HTTP 400 with nats-server's message", async () => {
    const cases: [string, string][] = [
      ["/connz?sort=foo", "invalid sorting option: foo"],
      ["/connz?limit=abc", "Error decoding int for 'limit'"],
      ["/connz?state=foo", "Error decoding state for foo"],
      ["/connz?subs=maybe", "Error decoding boolean for 'subs'"],
      ["/connz?cid=x", "Error decoding uint64 for 'cid'"],
      ["/connz?sort=stop", "sort by stop only valid on closed connections"],
      ["/subsz?limit=x", "Error decoding int for 'limit'"],
      ["/subsz?subs=1&test=foo.*", "invalid test subject, must be valid publish subject: foo.*"],
      ["/routez?subs=x", "Error decoding boolean for 'subs'"],
      ["/accountz?acc=NOPE", "Account NOPE does not exist"],
      ["/accstatz?unused=x", "Error decoding boolean for 'unused'"],
      ["/jsz?accounts=x", "Error decoding boolean for 'accounts'"],
      ["/healthz?js-enabled-only=x", "Error decoding boolean for 'js-enabled-only'"],
    ];
    for (const [path, message] of cases) {
      const r = await get(MPORT, path);
      assert.equal(r.status, 400, path);
      assert.ok(r.text.includes(message), `${path}: ${r.text}`);
      if (!isReference()) {
        // Skiff sends nats-server's text as a JSON error object.
        assert.match(r.contentType, /^application\/json/, path);
        const body = JSON.parse(r.text) as Json;
        assert.deepEqual(Object.keys(body), ["error"], path);
        assert.ok((body.error as string).startsWith(message), path);
      }
    }
  });

  test("varz http_req_stats counts requests per path", async () => {
    const before = (await getJson(MPORT, "/varz")).http_req_stats as Record<string, number>;
    await getJson(MPORT, "/routez");
    await getJson(MPORT, "/routez");
    const after = (await getJson(MPORT, "/varz")).http_req_stats as Record<string, number>;
    assert.equal(after["/routez"] - (before["/routez"] ?? 0), 2);
    assert.equal(after["/varz"] - before["/varz"], 1);
  });

  test("accountz and accstatz describe $G", async (srv) => {
    await withClient(srv.url, "acc-e2e", async (nc) => {
      nc.publish("mon.acc", new TextEncoder().encode("x"));
      await nc.flush();
      const list = await getJson(MPORT, "/accountz");
      assert.ok((list.accounts as string[]).includes("$G"));
      const detail = await getJson(MPORT, "/accountz?acc=$G");
      const info = detail.account_detail as Json;
      assert.equal(info.account_name, "$G");
      assert.ok((info.client_connections as number) >= 1);
      const statz = await getJson(MPORT, "/accstatz");
      const g = (statz.account_statz as Json[]).find((a) => a.acc === "$G")!;
      assert.ok((g.conns as number) >= 1);
      assert.ok(((g.received as Json).msgs as number) >= 1);
    });
  });

  test("/metrics is Prometheus text with the exporter's names", async (srv) => {
    await withClient(srv.url, "metrics-e2e", async (nc) => {
      nc.publish("mon.metrics", new TextEncoder().encode("abc"));
      await nc.flush();
      const r = await get(MPORT, "/metrics");
      assert.equal(r.status, 200);
      assert.equal(r.contentType, "text/plain; version=0.0.4; charset=utf-8");
      const families = parsePrometheusText(r.text);
      const v = await getJson(MPORT, "/varz");
      const sample = (name: string) => families.get(name)?.samples[0];
      assert.equal(sample("gnatsd_varz_connections")?.labels.server_id, v.server_id);
      assert.ok(sample("gnatsd_varz_connections")!.value >= 1);
      assert.ok(sample("gnatsd_varz_in_msgs")!.value >= 1);
      assert.equal(families.get("gnatsd_varz_in_msgs")!.type, "counter");
      assert.equal(families.get("gnatsd_varz_connections")!.type, "gauge");
      assert.ok(families.has("gnatsd_subsz_num_subscriptions"));
      assert.ok(families.has("gnatsd_accstatz_current_connections"));
    });
  }, { ignore: isReference() });

  test("the index page links the endpoints; unknown paths are 404", async () => {
    const index = await get(MPORT, "/");
    assert.equal(index.status, 200);
    assert.match(index.contentType, /^text\/html/);
    for (const p of ["varz", "connz", "subsz", "healthz"]) assert.ok(index.text.includes(p), p);
    assert.equal((await get(MPORT, "/no-such-endpoint")).status, 404);
  });
});

Deno.test("a -1 monitoring port is picked and written to the ports file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-e2e-ports-" });
  try {
    const srv = await startServer(["-m", "-1", "--ports_file_dir", dir]);
    try {
      const file = await eventually(async () => {
        for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".ports")) return e.name;
        return undefined;
      }, "the ports file");
      const ports = JSON.parse(await Deno.readTextFile(`${dir}/${file}`)) as {
        nats: string[];
        monitoring: string[];
      };
      assert.equal(ports.nats.length, 1);
      const url = new URL(ports.monitoring[0]);
      assert.equal(url.protocol, "http:");
      const port = Number(url.port);
      assert.ok(port > 0);
      const v = await getJson(port, "/varz");
      // nats-server echoes the configured -1 here; Skiff reports the port it picked.
      assert.equal(v.http_port, isReference() ? -1 : port);
    } catch (err) {
      throw annotate(err, srv);
    } finally {
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- field-set comparison with the reference nats-server ----

/** The reference binary: $NATS_SERVER_BIN, else `nats-server` on PATH; null when absent. */
function referenceBinary(): string | null {
  const candidates = [Deno.env.get("NATS_SERVER_BIN") ?? ""];
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) candidates.push(`${dir}/nats-server`);
  for (const path of candidates) {
    if (path === "" || path.startsWith("/nats-server")) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return null;
}

/**
 * Fields nats-server returns that Skiff leaves out on purpose, as `endpoint.path` (array
 * elements written `[]`, `*` for any key below a map).
 */
const ALLOWLIST = new Set([
  // The Go toolchain version; Skiff reports `runtime` (e.g. "deno 2.1.4") instead.
  "/varz.go",
  // Go's GOMAXPROCS; a single event loop has no equivalent setting.
  "/varz.gomaxprocs",
  // A map keyed by request path: its keys depend on which requests each server has seen.
  "/varz.http_req_stats.*",
  // The service imports nats-server gives every account from $SYS ($SYS.REQ.ACCOUNT.PING.*);
  // they come with the system account's request handlers.
  "/accountz.account_detail.imports",
]);

const REFERENCE_PATHS = [
  "/varz",
  "/connz?subs=true",
  // The newest closed connection: the readiness probe of the test helper closed one earlier.
  "/connz?subs=detail&state=closed&sort=stop&limit=1",
  "/subsz",
  "/subsz?subs=true",
  "/accountz?acc=$G",
  "/accstatz?unused=true",
  "/routez",
  "/gatewayz",
  "/leafz",
  "/accountz",
  "/accstatz",
  "/jsz",
  "/healthz",
];

function isPlainObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every key path in `ref` missing from `ours`, recursing where both hold an object. */
function missingKeys(ref: unknown, ours: unknown, path: string): string[] {
  if (Array.isArray(ref) && Array.isArray(ours)) {
    if (ref.length === 0 || ours.length === 0) return [];
    // Lists come in no fixed order (nats-server iterates maps), and optional fields appear on
    // some items only: compare the fields of all items on each side.
    return missingKeys(unionOf(ref), unionOf(ours), `${path}[]`);
  }
  if (!isPlainObject(ref) || !isPlainObject(ours)) return [];
  if (ALLOWLIST.has(`${path}.*`)) return [];
  const missing: string[] = [];
  for (const key of Object.keys(ref)) {
    const p = `${path}.${key}`;
    if (ALLOWLIST.has(p)) continue;
    if (!(key in ours)) missing.push(p);
    else missing.push(...missingKeys(ref[key], ours[key], p));
  }
  return missing;
}

/** One object with every field any plain-object item of `items` has (first value kept). */
function unionOf(items: unknown[]): unknown {
  if (!items.every(isPlainObject)) return items[0];
  const union: Record<string, unknown> = {};
  for (const item of items as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(item)) if (!(k in union)) union[k] = v;
  }
  return union;
}

/** Starts the reference with monitoring; stops it when `body` ends. */
async function withReference(
  bin: string,
  body: (ports: { client: number; http: number }) => Promise<void>,
): Promise<void> {
  const client = freePort();
  const http = freePort();
  const child = new Deno.Command(bin, {
    args: ["-a", "127.0.0.1", "-p", String(client), "-m", String(http)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await eventually(async () => {
      try {
        return (await get(http, "/healthz")).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    }, "the reference nats-server's monitoring port");
    await body({ client, http });
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

const REFERENCE_BIN = referenceBinary();
const FIELDS_MPORT = freePort();

serverTest(
  "every field the reference nats-server returns is in Skiff's answer",
  { args: ["-m", String(FIELDS_MPORT)], ignore: REFERENCE_BIN === null },
  async (srv) => {
    await withReference(REFERENCE_BIN!, async (ref) => {
      const setup = async (url: string) => {
        const nc = await connect({ servers: url, name: "fields-e2e", timeout: 5000 });
        nc.subscribe("fields.a");
        nc.subscribe("fields.b", { queue: "q" });
        nc.publish("fields.a", new TextEncoder().encode("x"));
        await nc.flush();
        return nc;
      };
      const ncs = [await setup(srv.url), await setup(`nats://127.0.0.1:${ref.client}`)];
      // A closed connection with a subscription in each, for /connz?state=closed.
      for (const port of [srv.port, ref.client]) {
        const c = await RawClient.open(port, { name: "closed-fields", verbose: false });
        await c.send("SUB fields.closed 1\r\n");
        await c.barrier();
        await c.close();
      }
      for (const http of [FIELDS_MPORT, ref.http]) {
        await eventually(async () => {
          const doc = await getJson(http, "/connz?state=closed");
          return connections(doc).length > 0 ? true : undefined;
        }, "a closed connection");
      }
      try {
        const problems: string[] = [];
        for (const path of REFERENCE_PATHS) {
          const endpoint = path.split("?")[0];
          const theirs = await getJson(ref.http, path);
          const ours = await getJson(FIELDS_MPORT, path);
          problems.push(...missingKeys(theirs, ours, endpoint));
        }
        assert.deepEqual(problems, [], `fields nats-server has and Skiff lacks`);
      } finally {
        for (const nc of ncs) await nc.close();
      }
    });
  },
);
