/** Config loader (src/config/load.ts): keys to Options, units, raw blocks, errors and warnings. */

import assert from "node:assert/strict";
import { loadConfig, type LoadResult } from "../../../src/config/load.ts";
import { mapToPlain } from "../../../src/config/conf_types.ts";
import { parseDuration } from "../../../src/config/duration.ts";
import type { Options } from "../../../src/config/options.ts";
import { memEnv, memFiles, rejectsConfig } from "./_helpers.ts";

function load(
  text: string,
  { strict = false, env = {} as Record<string, string>, files = {} as Record<string, string> } = {},
): Promise<LoadResult> {
  return loadConfig("skiff.conf", {
    readFile: memFiles({ ...files, "skiff.conf": text }),
    env: memEnv(env),
    strict,
  });
}

/** The options without `rawConfig`, for deepEqual. */
async function opts(text: string): Promise<Partial<Options>> {
  const { options } = await load(text);
  const { rawConfig: _, ...rest } = options;
  return rest;
}

Deno.test("load: the core keys map to Options", async () => {
  assert.deepEqual(
    await opts(`
      listen: 127.0.0.1:4333
      server_name: alpha
      client_advertise: "nats://example.com:4222"
      max_payload: 2MB
      max_connections: 100
      max_control_line: 2KB
      max_pending: 32MB
      max_subscriptions: 50
      ping_interval: "30s"
      ping_max: 3
      write_deadline: "5s"
      authorization { timeout: 3 }
      http: "127.0.0.1:8333"
      debug: true
      trace: on
      trace_verbose: yes
      logtime: false
      log_file: "/tmp/skiff.log"
      pid_file: /tmp/skiff.pid
      ports_file_dir: /tmp
      lame_duck_duration: "1m"
      lame_duck_grace_period: "5s"
    `),
    {
      host: "127.0.0.1",
      port: 4333,
      serverName: "alpha",
      clientAdvertise: "nats://example.com:4222",
      maxPayload: 2 * 1024 * 1024,
      maxConnections: 100,
      maxControlLine: 2048,
      maxPending: 32 * 1024 * 1024,
      maxSubscriptions: 50,
      pingIntervalMs: 30_000,
      pingMax: 3,
      writeDeadlineMs: 5000,
      authTimeoutMs: 3000,
      httpHost: "127.0.0.1",
      httpPort: 8333,
      debug: true,
      trace: true,
      traceVerbose: true,
      logtime: false,
      logFile: "/tmp/skiff.log",
      pidFile: "/tmp/skiff.pid",
      portsFileDir: "/tmp",
      lameDuckDurationMs: 60_000,
      lameDuckGracePeriodMs: 5000,
    },
  );
});

Deno.test("load: aliases and case-insensitive keys", async () => {
  assert.deepEqual(
    await opts(
      "NET: 10.0.0.1\nPort: 1\nmax_conn: 5\nmax_subs: 6\nmonitor_port: 8\nlogfile: l\npidfile: p",
    ),
    {
      host: "10.0.0.1",
      port: 1,
      maxConnections: 5,
      maxSubscriptions: 6,
      httpPort: 8,
      logFile: "l",
      pidFile: "p",
    },
  );
  assert.deepEqual(await opts("host: h\nhttp_port: -1"), { host: "h", httpPort: -1 });
});

Deno.test("load: listen and http take host:port, [v6]:port, :port or a bare port", async () => {
  assert.deepEqual(await opts("listen: 4333"), { port: 4333 });
  assert.deepEqual(await opts('listen: ":-1"'), { port: -1 });
  assert.deepEqual(await opts('listen: "[::1]:4333"'), { host: "::1", port: 4333 });
  assert.deepEqual(await opts("listen: localhost:4333"), { host: "localhost", port: 4333 });
  assert.deepEqual(await opts("http: 8222"), { httpPort: 8222 });
  assert.deepEqual(await opts('http: "localhost:-1"'), { httpHost: "localhost", httpPort: -1 });
});

Deno.test("load: bad addresses fail naming the key", async () => {
  await rejectsConfig(
    load('listen: "0.0.0.0"'),
    /^skiff\.conf:1:1: invalid value for "listen": could not parse address string "0.0.0.0"$/,
  );
  await rejectsConfig(load('listen: "h:abc"'), /could not parse port "abc"/);
  await rejectsConfig(load('listen: "::1:4222"'), /too many colons/);
  await rejectsConfig(load("listen: h:70000"), /port 70000 is out of range/);
  await rejectsConfig(load('http: "localhost"'), /"http": could not parse address string/);
  await rejectsConfig(load("listen: true"), /"listen": expected "host:port" or a port/);
});

Deno.test("load: durations take Go syntax", async () => {
  assert.equal((await opts('ping_interval: "1h30m"')).pingIntervalMs, 90 * 60_000);
  assert.equal((await opts('ping_interval: "500ms"')).pingIntervalMs, 500);
  assert.equal((await opts('write_deadline: "1.5s"')).writeDeadlineMs, 1500);
  await rejectsConfig(
    load('ping_interval: "5"'),
    /^skiff\.conf:1:1: invalid value for "ping_interval": missing unit in duration "5"$/,
  );
  await rejectsConfig(load('write_deadline: "1d"'), /unknown unit "d" in duration "1d"/);
  await rejectsConfig(load('ping_interval: "-1s"'), /must be a positive duration/);
  await rejectsConfig(load("ping_interval: true"), /expected a duration string/);
});

Deno.test("load: bare seconds for ping_interval and write_deadline warn", async () => {
  const r = await load("ping_interval: 60\nwrite_deadline: 2");
  assert.equal(r.options.pingIntervalMs, 60_000);
  assert.equal(r.options.writeDeadlineMs, 2000);
  assert.deepEqual(r.warnings, [
    'skiff.conf:1:1: "ping_interval" should be a duration string such as "60s"; 60 is read as seconds',
    'skiff.conf:2:1: "write_deadline" should be a duration string such as "2s"; 2 is read as seconds',
  ]);
});

Deno.test("load: strict mode (-t) turns the first warning into an error", async () => {
  await rejectsConfig(
    load("ping_interval: 60", { strict: true }),
    /^skiff\.conf:1:1: "ping_interval" should be a duration string/,
  );
});

Deno.test("load: lame duck durations are strings with nats-server's bounds", async () => {
  await rejectsConfig(load("lame_duck_duration: 30"), /expected a duration string/);
  await rejectsConfig(load('lame_duck_duration: "1s"'), /the minimum is 30 seconds/);
  await rejectsConfig(load('lame_duck_grace_period: "-1s"'), /must not be negative/);
  assert.equal((await opts('lame_duck_grace_period: "0s"')).lameDuckGracePeriodMs, 0);
});

Deno.test("load: max_payload is limited to 64MB and to max_pending", async () => {
  assert.equal((await opts("max_payload: 64MB")).maxPayload, 64 * 1024 * 1024);
  await rejectsConfig(
    load("max_payload: 65MB"),
    /^skiff\.conf:1:1: invalid value for "max_payload": 68157440 is above the maximum of 67108864$/,
  );
  await rejectsConfig(
    load("max_pending: 1MB\nmax_payload: 2MB"),
    /^skiff\.conf:2:1: invalid value for "max_payload": max_payload \(2097152\) cannot be higher than max_pending \(1048576\)$/,
  );
  await rejectsConfig(load("max_payload: -1"), /-1 is below the minimum of 0/);
  // 0 means the default, as in nats-server.
  assert.deepEqual(await opts("max_payload: 0\nmax_pending: 0\nmax_connections: 0"), {});
  await rejectsConfig(load("max_control_line: 5000000000"), /above the maximum of 2147483647/);
});

Deno.test("load: wrong value types fail naming file:line:col and the key", async () => {
  const e = await rejectsConfig(
    load('debug: true\n  port: "abc"'),
    /^skiff\.conf:2:3: invalid value for "port": expected an integer, got a string \("abc"\)$/,
  );
  assert.equal(e.key, "port");
  await rejectsConfig(load('debug: "true"'), /"debug": expected a boolean, got a string/);
  await rejectsConfig(load("server_name: 12"), /"server_name": expected a string, got an integer/);
  await rejectsConfig(load("max_payload: 1.5"), /expected an integer, got a float \(1.5\)/);
  await rejectsConfig(load("max_payload: 1kb_x"), /expected an integer, got a string/);
  await rejectsConfig(load("port: 70000"), /70000 is above the maximum of 65535/);
  await rejectsConfig(load("authorization: x"), /"authorization": expected a map/);
});

Deno.test("load: unknown top-level keys fail like nats-server", async () => {
  const e = await rejectsConfig(
    load("port: 1\n  foo: 2"),
    /^skiff\.conf:2:3: unknown field "foo"$/,
  );
  assert.equal(e.key, "foo");
  await rejectsConfig(load("include: x"), /unknown field "include"/);
});

Deno.test("load: a variable definition counts as a key only when unused", async () => {
  assert.deepEqual(await opts("P = 4333\nport: $P"), { port: 4333 });
  await rejectsConfig(load("P = 4333\nport: 1"), /^skiff\.conf:1:1: unknown field "P"$/);
  assert.deepEqual(await opts("authorization { T = 4, timeout: $T }"), { authTimeoutMs: 4000 });
});

Deno.test("load: authorization maps single-user auth and keeps the rest raw", async () => {
  const r = await load(`authorization {
    user: alice
    password: "$2a$11$abcdefghijklmnopqrstuv"
    timeout: 0.5
    users: [{user: bob, password: x}]
    permissions: {publish: "a.>"}
  }`);
  assert.equal(r.options.username, "alice");
  assert.equal(r.options.password, "$2a$11$abcdefghijklmnopqrstuv");
  assert.equal(r.options.authTimeoutMs, 500);
  const raw = mapToPlain(r.options.rawConfig!);
  assert.deepEqual((raw.authorization as Record<string, unknown>).users, [
    { user: "bob", password: "x" },
  ]);
  assert.equal((await opts('authorization { token: "s3cr3t" }')).authToken, "s3cr3t");
  assert.equal((await opts('authorization { timeout: "1500ms" }')).authTimeoutMs, 1500);
  assert.equal((await opts("authorization { username: u, pass: p }")).password, "p");
});

Deno.test("load: authorization rejects unknown keys and wrong shapes", async () => {
  await rejectsConfig(
    load("authorization {\n  timeout: 1\n  nkey: x\n}"),
    /^skiff\.conf:3:3: unknown field "nkey"$/,
  );
  await rejectsConfig(load("authorization { users: x }"), /"users": expected an array/);
  await rejectsConfig(load("authorization { permissions: [] }"), /"permissions": expected a map/);
  await rejectsConfig(load("authorization { timeout: true }"), /expected seconds or a duration/);
});

Deno.test("load: jetstream as a boolean, enabled/disabled, or a block", async () => {
  assert.deepEqual(await opts("jetstream: true"), { jetstream: true });
  assert.deepEqual(await opts("jetstream: off"), { jetstream: false });
  assert.deepEqual(await opts("jetstream: enabled"), { jetstream: true });
  assert.deepEqual(await opts('jetstream: "Disabled"'), { jetstream: false });
  assert.deepEqual(
    await opts(
      'jetstream { store_dir: "/data/js", max_memory_store: 1GB, max_file_store: "10G", domain: hub }',
    ),
    {
      jetstream: true,
      storeDir: "/data/js",
      jetstreamMaxMemory: 1024 ** 3,
      jetstreamMaxStore: 10 * 1024 ** 3,
      jetstreamDomain: "hub",
    },
  );
  assert.deepEqual(await opts("jetstream { store: /d, max_mem: 1M, max_file: 2k }"), {
    jetstream: true,
    storeDir: "/d",
    jetstreamMaxMemory: 1_000_000,
    jetstreamMaxStore: 2000,
  });
  assert.deepEqual(await opts("jetstream { enabled: false }"), { jetstream: false });
  assert.deepEqual(await opts("store_dir: /x"), { storeDir: "/x" });
});

Deno.test("load: jetstream errors", async () => {
  await rejectsConfig(load("jetstream: 1"), /expected a boolean, "enabled", "disabled" or a map/);
  await rejectsConfig(load("jetstream: maybe"), /expected "enabled" or "disabled"/);
  await rejectsConfig(load("jetstream { foo: 1 }"), /^skiff\.conf:1:13: unknown field "foo"$/);
  await rejectsConfig(
    load('jetstream { max_mem: "1GB" }'),
    /must be digits ending in K, M, G or T/,
  );
  await rejectsConfig(load("jetstream { store_dir: 5 }"), /"store_dir": expected a string/);
});

Deno.test("load: blocks for later loaders are accepted and kept in rawConfig", async () => {
  const r = await load(`
    cluster { name: c1, listen: 0.0.0.0:6222, routes: [nats://a:6222] }
    gateway { name: g }
    leafnodes { port: 7422 }
    accounts { A: { users: [{user: a, password: a}] } }
    mappings { "a.*": "b.{{wildcard(1)}}" }
    system_account: SYS
    no_auth_user: a
    server_tags: [x, y]
  `);
  const { rawConfig, ...rest } = r.options;
  assert.deepEqual(rest, {});
  const raw = mapToPlain(rawConfig!);
  assert.deepEqual(Object.keys(raw), [
    "cluster",
    "gateway",
    "leafnodes",
    "accounts",
    "mappings",
    "system_account",
    "no_auth_user",
    "server_tags",
  ]);
  assert.deepEqual(raw.cluster, { name: "c1", listen: "0.0.0.0:6222", routes: ["nats://a:6222"] });
  await rejectsConfig(load("cluster: x"), /"cluster": expected a map/);
  await rejectsConfig(load("system_account: 5"), /"system_account": expected a string/);
  await rejectsConfig(load("server_tags: [a, 1]"), /"server_tags": tags must be strings/);
});

Deno.test("load: includes and environment variables feed the mapping", async () => {
  const r = await load("include ./more.conf\nport: $PORT", {
    env: { PORT: "4444" },
    files: { "more.conf": "server_name: inc\ndebug: true" },
  });
  const { rawConfig: _, ...rest } = r.options;
  assert.deepEqual(rest, { serverName: "inc", debug: true, port: 4444 });
  // Errors inside an included file name that file.
  await rejectsConfig(
    load("include ./bad.conf", { files: { "bad.conf": "\nport: x" } }),
    /^bad\.conf:2:1: invalid value for "port"/,
  );
});

Deno.test("load: syntax errors surface as ConfigError with a position", async () => {
  await rejectsConfig(
    load('port: 1\nserver_name: "abc'),
    /^skiff\.conf:2:14: unterminated string$/,
  );
});

Deno.test("parseDuration() follows Go's time.ParseDuration", () => {
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration(".5s"), 500);
  assert.equal(parseDuration("-1s"), -1000);
  assert.equal(parseDuration("+5ms"), 5);
  assert.equal(parseDuration("10us"), 0.01);
  assert.equal(parseDuration("10\u00b5s"), 0.01);
  assert.equal(parseDuration("1000000ns"), 1);
  for (const bad of ["", "5", "1d", "1h 30m", "s", ".s", "1H", "-"]) {
    assert.throws(() => parseDuration(bad), SyntaxError, bad);
  }
});
