/** The HTTP layer: routes, status codes, content types, JSONP and request counting. */
import assert from "node:assert/strict";
import { createMonitorApp } from "../../../src/monitor/app.ts";
import { FakeSource } from "./_fake_source.ts";
import { parsePrometheusText } from "./_prometheus_parse.ts";

function setup() {
  const src = new FakeSource();
  const app = createMonitorApp(src);
  const get = (path: string) => app.fetch(new Request(`http://monitor${path}`));
  return { src, get };
}

Deno.test("app: every JSON endpoint answers 200 application/json", async () => {
  const { get } = setup();
  for (
    const path of [
      "/varz",
      "/connz",
      "/subsz",
      "/subscriptionsz",
      "/routez",
      "/gatewayz",
      "/leafz",
      "/accountz",
      "/accstatz",
      "/jsz",
      "/healthz",
    ]
  ) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), "application/json", path);
    assert.equal(typeof (await res.json()), "object", path);
  }
});

Deno.test("app: JSON is pretty-printed like nats-server, /healthz compact", async () => {
  const { get } = setup();
  assert.match(await (await get("/varz")).text(), /^\{\n {2}"server_id": "NFAKESERVERID",\n/);
  assert.equal(await (await get("/healthz")).text(), '{"status":"ok"}');
});

Deno.test("app: a bad argument is 400 with nats-server's message as a JSON error", async () => {
  const { get } = setup();
  const cases: [string, string][] = [
    ["/connz?sort=foo", "invalid sorting option: foo"],
    [
      "/connz?limit=abc",
      `Error decoding int for 'limit': strconv.Atoi: parsing "abc": invalid syntax`,
    ],
    ["/connz?state=foo", "Error decoding state for foo"],
    ["/connz?sort=stop", "sort by stop only valid on closed connections"],
    [
      "/subsz?subs=x",
      `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
    ["/subsz?subs=1&test=foo.*", "invalid test subject, must be valid publish subject: foo.*"],
    ["/accountz?acc=NOPE", "Account NOPE does not exist"],
    [
      "/routez?subs=x",
      `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
    [
      "/leafz?subs=x",
      `Error decoding boolean for 'subs': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
    [
      "/jsz?accounts=x",
      `Error decoding boolean for 'accounts': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
    [
      "/accstatz?unused=x",
      `Error decoding boolean for 'unused': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
    [
      "/gatewayz?accs=x",
      `Error decoding boolean for 'accs': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
    [
      "/healthz?js-enabled-only=x",
      `Error decoding boolean for 'js-enabled-only': strconv.ParseBool: parsing "x": invalid syntax`,
    ],
  ];
  for (const [path, message] of cases) {
    const res = await get(path);
    assert.equal(res.status, 400, path);
    assert.equal(res.headers.get("content-type"), "application/json", path);
    assert.deepEqual(await res.json(), { error: message }, path);
  }
});

Deno.test("app: JSONP with ?callback=, and only for a plain identifier", async () => {
  const { get } = setup();
  const res = await get("/healthz?callback=cb");
  assert.equal(res.headers.get("content-type"), "application/javascript");
  assert.equal(await res.text(), 'cb({"status":"ok"})');
  const bad = await get("/varz?callback=alert(1)");
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
});

Deno.test("app: /healthz is 503 while the server cannot take clients", async () => {
  const { src, get } = setup();
  src.boundPorts = { client: 0, http: 8222 };
  const res = await get("/healthz");
  assert.equal(res.status, 503);
  assert.equal((await res.json()).status, "error");
});

Deno.test("app: / is an HTML index, unknown paths 404", async () => {
  const { get } = setup();
  const index = await get("/");
  assert.match(index.headers.get("content-type") ?? "", /^text\/html/);
  const html = await index.text();
  for (const p of ["varz", "connz", "subsz", "jsz", "healthz", "metrics"]) {
    assert.ok(html.includes(`href="./${p}"`), p);
  }
  const missing = await get("/nope");
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), "404 page not found");
});

Deno.test("app: /metrics is Prometheus text 0.0.4", async () => {
  const { get } = setup();
  const res = await get("/metrics");
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const families = parsePrometheusText(await res.text());
  assert.ok(families.has("gnatsd_varz_connections"));
});

Deno.test("app: requests are counted per path, /subscriptionsz as /subsz", async () => {
  const { src, get } = setup();
  for (const p of ["/", "/varz", "/varz", "/subscriptionsz", "/subsz", "/connz?sort=foo", "/x"]) {
    await (await get(p)).body?.cancel();
  }
  assert.deepEqual(Object.fromEntries(src.httpReqStats), {
    "/": 1,
    "/varz": 2,
    "/subsz": 2,
    "/connz": 1,
  });
});
