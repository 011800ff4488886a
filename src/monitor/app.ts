/**
 * The monitoring HTTP routes (the one module that imports hono). Each route decodes its query
 * with nats-server's rules, calls a data function and writes pretty-printed JSON (JSONP with
 * `?callback=`); a refused request is HTTP 400 with `{"error": <nats-server's message>}`.
 */
import { type Context, Hono } from "hono";
import { accountStatz, accountz, parseAccountStatzQuery, parseAccountzQuery } from "./accountz.ts";
import { connz, parseConnzQuery } from "./connz.ts";
import { gatewayz, parseGatewayzQuery } from "./gatewayz.ts";
import { healthz, parseHealthzQuery } from "./healthz.ts";
import { jsz, parseJszQuery } from "./jsz.ts";
import { leafz, parseLeafzQuery } from "./leafz.ts";
import { metrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";
import { MonitorRequestError, type QueryParams } from "./query.ts";
import { parseRoutezQuery, routez } from "./routez.ts";
import type { MonitorSource } from "./source.ts";
import { parseSubszQuery, subsz, subszBody } from "./subsz.ts";
import { varz } from "./varz.ts";

/** The JSON endpoints: path, what the index calls it, and how to answer. */
interface JsonEndpoint {
  path: string;
  title: string;
  handle(src: MonitorSource, q: QueryParams): { body: unknown; status?: 200 | 503 };
}

const ENDPOINTS: readonly JsonEndpoint[] = [
  { path: "/varz", title: "General", handle: (s) => ({ body: varz(s) }) },
  { path: "/jsz", title: "JetStream", handle: (s, q) => ({ body: jsz(s, parseJszQuery(q)) }) },
  {
    path: "/connz",
    title: "Connections",
    handle: (s, q) => ({ body: connz(s, parseConnzQuery(q)) }),
  },
  {
    path: "/accountz",
    title: "Accounts",
    handle: (s, q) => ({ body: accountz(s, parseAccountzQuery(q)) }),
  },
  {
    path: "/accstatz",
    title: "Account Stats",
    handle: (s, q) => ({ body: accountStatz(s, parseAccountStatzQuery(q)) }),
  },
  {
    path: "/subsz",
    title: "Subscriptions",
    handle: (s, q) => ({ body: subszBody(subsz(s, parseSubszQuery(q))) }),
  },
  {
    path: "/routez",
    title: "Routes",
    handle: (s, q) => ({ body: routez(s, parseRoutezQuery(q)) }),
  },
  {
    path: "/leafz",
    title: "LeafNodes",
    handle: (s, q) => ({ body: leafz(s, parseLeafzQuery(q)) }),
  },
  {
    path: "/gatewayz",
    title: "Gateways",
    handle: (s, q) => ({ body: gatewayz(s, parseGatewayzQuery(q)) }),
  },
  {
    path: "/healthz",
    title: "Health Probe",
    handle: (s, q) => {
      const health = healthz(s, parseHealthzQuery(q));
      return { body: health, status: health.error === undefined ? 200 : 503 };
    },
  },
];

/** A JSONP callback must be a plain (dotted) identifier: anything else would be script injection. */
const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$.]*$/;

export function createMonitorApp(src: MonitorSource): Hono {
  const app = new Hono();

  app.get("/", (c) => {
    src.noteHttpRequest("/");
    return c.html(indexPage());
  });
  for (const ep of ENDPOINTS) {
    app.get(ep.path, (c) => serveJson(c, src, ep));
  }
  // nats-server's older name for /subsz; counted under /subsz as nats-server does.
  const subsz = ENDPOINTS.find((e) => e.path === "/subsz")!;
  app.get("/subscriptionsz", (c) => serveJson(c, src, subsz));
  app.get("/metrics", (c) => {
    src.noteHttpRequest("/metrics");
    return c.body(metrics(src), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });
  app.notFound((c) => c.text("404 page not found", 404));
  app.onError((err, c) => {
    const status = err instanceof MonitorRequestError ? 400 : 500;
    return c.json({ error: err.message }, status);
  });
  return app;
}

function serveJson(c: Context, src: MonitorSource, ep: JsonEndpoint): Response {
  src.noteHttpRequest(ep.path);
  const q = new URL(c.req.url).searchParams;
  const callback = q.get("callback") ?? "";
  if (callback !== "" && !CALLBACK.test(callback)) {
    throw new MonitorRequestError(`invalid callback: ${callback}`);
  }
  const { body, status = 200 } = ep.handle(src, q);
  // nats-server pretty-prints every endpoint but /healthz.
  const text = ep.path === "/healthz" ? JSON.stringify(body) : JSON.stringify(body, null, 2);
  if (callback !== "") {
    return c.body(`${callback}(${text})`, status, { "Content-Type": "application/javascript" });
  }
  return c.body(text, status, { "Content-Type": "application/json" });
}

function indexPage(): string {
  const links = [...ENDPOINTS.map((e) => [e.path, e.title]), ["/metrics", "Prometheus"]]
    .map(([path, title]) => `    <a href=".${path}">${title}</a>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Skiff monitoring</title></head>
  <body>
    <h1>Skiff monitoring</h1>
    <nav style="display:flex;flex-direction:column;gap:6px">
${links}
    </nav>
    <p><a href="https://docs.nats.io/running-a-nats-service/nats_admin/monitoring">Help</a></p>
  </body>
</html>
`;
}
