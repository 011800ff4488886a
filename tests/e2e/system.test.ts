/**
 * The system account end to end with the official client: `$SYS.REQ.SERVER.*` requests
 * (statsz, varz, connz, subsz, healthz, options in the body, filters, errors) and the
 * connect/disconnect/auth-error events, checked for values and, side by side with the
 * reference nats-server 2.9.10, for field names.
 *
 * The request suite makes `$G` the system account, which nats-server accepts, so it needs no
 * authentication. Events are only published for accounts other than `$G` (nats-server's
 * rule), so their suite needs users bound to accounts.
 */

import assert from "node:assert/strict";
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { serverSuite } from "../_helpers/suite.ts";
import { RawClient } from "../_helpers/raw_client.ts";
import { freePort, isReference, writeConfig } from "../_helpers/server.ts";
import { referenceBinary, spawn, waitFor, waitForPort } from "../_helpers/process.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const SERVER_INFO_KEYS = ["name", "host", "id", "ver", "seq", "jetstream", "time"];
const STATSZ_KEYS = [
  "start",
  "mem",
  "cores",
  "cpu",
  "connections",
  "total_connections",
  "active_accounts",
  "subscriptions",
  "sent",
  "received",
  "slow_consumers",
];

const enc = new TextEncoder();

async function ask(nc: NatsConnection, subject: string, body = ""): Promise<Json> {
  const m = await nc.request(subject, enc.encode(body), { timeout: 3000 });
  return m.json<Json>();
}

async function withClient<T>(
  url: string,
  body: (nc: NatsConnection) => Promise<T>,
  opts: { name?: string; user?: string; pass?: string } = {},
): Promise<T> {
  const nc = await connect({ servers: url, timeout: 5000, reconnect: false, ...opts });
  try {
    return await body(nc);
  } finally {
    await nc.close();
  }
}

/** Messages on `subject`, delivered into an array; `next()` awaits the next one (bounded). */
function collect(nc: NatsConnection, subject: string) {
  const got: Msg[] = [];
  const sub = nc.subscribe(subject, { callback: (_err, m) => void got.push(m) });
  let read = 0;
  return {
    got,
    sub,
    async next(what: string, timeoutMs = 3000): Promise<Json & { $subject: string }> {
      const m = await waitFor(() => got[read], what, timeoutMs);
      read++;
      return { ...m.json<Json>(), $subject: m.subject };
    },
  };
}

/**
 * A login with a wrong password, over raw TCP: the official client's socket can surface the
 * server's close as an uncaught ECONNRESET after a refused CONNECT.
 */
async function failLogin(port: number, pass: string): Promise<void> {
  await using raw = await RawClient.connect(port);
  await raw.readInfo();
  const connect = { user: "a", pass, lang: "raw", version: "1.0.0", protocol: 1 };
  await raw.send(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
  await raw.expect("-ERR 'Authorization Violation'\r\n");
}

const SYS_AS_GLOBAL = `system_account: "$G"\n`;

serverSuite("system account requests", { config: SYS_AS_GLOBAL }, (test) => {
  test("$SYS.REQ.SERVER.PING answers with the server and its statsz", async (srv) => {
    await withClient(srv.url, async (nc) => {
      const r = await ask(nc, "$SYS.REQ.SERVER.PING");
      assert.deepEqual(Object.keys(r), ["server", "statsz"]);
      assert.deepEqual(Object.keys(r.server), SERVER_INFO_KEYS);
      assert.equal(r.server.id, nc.info!.server_id);
      assert.equal(r.server.host, "127.0.0.1");
      assert.equal(r.server.jetstream, false);
      assert.ok(r.server.seq > 0);
      assert.match(r.server.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      for (const key of STATSZ_KEYS) assert.ok(key in r.statsz, `statsz.${key}`);
      assert.ok(r.statsz.connections >= 1);
      assert.deepEqual(Object.keys(r.statsz.sent), ["msgs", "bytes"]);
      // Each message the server sends has the next sequence number.
      const again = await ask(nc, "$SYS.REQ.SERVER.PING.STATSZ");
      assert.ok(again.server.seq > r.server.seq);
      const direct = await ask(nc, `$SYS.REQ.SERVER.${r.server.id}.STATSZ`);
      assert.ok("statsz" in direct);
    });
  });

  test("PING.VARZ and <id>.VARZ reply {server, data} with the /varz document", async (srv) => {
    await withClient(srv.url, async (nc) => {
      const id = nc.info!.server_id;
      for (const subject of ["$SYS.REQ.SERVER.PING.VARZ", `$SYS.REQ.SERVER.${id}.VARZ`]) {
        const r = await ask(nc, subject);
        assert.deepEqual(Object.keys(r), ["server", "data"], subject);
        assert.equal(r.data.server_id, id);
        assert.equal(r.data.port, srv.port);
        assert.equal(r.data.system_account, "$G");
        assert.equal(r.data.max_payload, 1048576);
      }
    });
  });

  test("PING.CONNZ takes /connz options from the request body", async (srv) => {
    await withClient(srv.url, async (nc) => {
      nc.subscribe("sys.e2e.connz");
      await nc.flush();
      const all = (await ask(nc, "$SYS.REQ.SERVER.PING.CONNZ")).data;
      assert.ok(all.num_connections >= 1);
      const mine = all.connections.find((c: Json) => c.name === "sys-e2e-connz");
      assert.ok(mine, JSON.stringify(all.connections));
      assert.equal(mine.subscriptions_list, undefined, "no list unless asked");

      const detailed = await ask(
        nc,
        "$SYS.REQ.SERVER.PING.CONNZ",
        JSON.stringify({ subscriptions: true, cid: mine.cid }),
      );
      assert.equal(detailed.data.connections.length, 1);
      assert.ok(detailed.data.connections[0].subscriptions_list.includes("sys.e2e.connz"));

      // A closed connection shows up under state 1 (closed) with its reason.
      await withClient(srv.url, (c) => c.flush(), { name: "sys-e2e-closed" });
      const closed = await waitFor(async () => {
        const doc = (await ask(nc, "$SYS.REQ.SERVER.PING.CONNZ", '{"state":1}')).data;
        return doc.connections.find((c: Json) => c.name === "sys-e2e-closed");
      }, "the closed connection in connz");
      assert.equal(closed.reason, "Client Closed");
      assert.ok("stop" in closed);
    }, { name: "sys-e2e-connz" });
  });

  test("PING.SUBSZ lists subscriptions a test subject reaches", async (srv) => {
    await withClient(srv.url, async (nc) => {
      nc.subscribe("sys.e2e.*");
      await nc.flush();
      const plain = (await ask(nc, "$SYS.REQ.SERVER.PING.SUBSZ")).data;
      assert.ok(plain.num_subscriptions >= 1);
      assert.ok("server_id" in plain, "the whole document, not only the statistics");
      const listed = (await ask(
        nc,
        "$SYS.REQ.SERVER.PING.SUBSZ",
        '{"subscriptions":true,"test":"sys.e2e.x"}',
      )).data;
      const subjects = listed.subscriptions_list.map((s: Json) => s.subject);
      assert.deepEqual(subjects, ["sys.e2e.*"]);
    });
  });

  test("PING.HEALTHZ reports ok", async (srv) => {
    await withClient(srv.url, async (nc) => {
      const r = await ask(nc, "$SYS.REQ.SERVER.PING.HEALTHZ");
      assert.deepEqual(r.data, { status: "ok" });
    });
  });

  test("a body that does not decode is a 400; refused options a 500", async (srv) => {
    await withClient(srv.url, async (nc) => {
      const bad = await ask(nc, "$SYS.REQ.SERVER.PING.CONNZ", "{bad");
      assert.deepEqual(Object.keys(bad), ["server", "error"]);
      assert.equal(bad.error.code, 400);
      const refused = await ask(nc, "$SYS.REQ.SERVER.PING.CONNZ", '{"sort":"bogus"}');
      assert.deepEqual(refused.data, null);
      assert.deepEqual(refused.error, { code: 500, description: "invalid sorting option: bogus" });
    });
  });

  test("a filter naming another server gets no reply", async (srv) => {
    await withClient(srv.url, async (nc) => {
      const inbox = collect(nc, "sys.e2e.inbox");
      nc.publish("$SYS.REQ.SERVER.PING.VARZ", '{"server_name":"no-such-server"}', {
        reply: "sys.e2e.inbox",
      });
      nc.publish("$SYS.REQ.SERVER.PING.HEALTHZ", "", { reply: "sys.e2e.inbox" });
      // The server answers in order, so the first reply is the health check's.
      const first = await inbox.next("the healthz reply");
      assert.deepEqual(first.data, { status: "ok" });
      await nc.flush();
      assert.equal(inbox.got.length, 1);
    });
  });

  test("an endpoint the server does not have gets no responders", async (srv) => {
    await withClient(srv.url, async (nc) => {
      await assert.rejects(
        nc.request("$SYS.REQ.SERVER.PING.NOSUCHZ", "", { timeout: 3000 }),
        /no responders/i,
      );
    });
  });
});

const EVENTS_CONFIG = `
accounts {
  SYS: { users: [ {user: sys, password: sys} ] }
  A: { users: [ {user: a, password: a} ] }
}
system_account: SYS
`;

serverSuite(
  "system account events",
  { config: EVENTS_CONFIG },
  (test) => {
    const sys = { user: "sys", pass: "sys" };

    test("a client of account A is announced on CONNECT and DISCONNECT", async (srv) => {
      await withClient(srv.url, async (nc) => {
        const events = collect(nc, "$SYS.ACCOUNT.A.*");
        await nc.flush();
        await withClient(srv.url, async (a) => {
          a.publish("a.subject", "hello");
          await a.flush();
        }, { user: "a", pass: "a", name: "sys-e2e-a" });

        const connected = await events.next("the CONNECT event");
        assert.equal(connected.$subject, "$SYS.ACCOUNT.A.CONNECT");
        assert.deepEqual(Object.keys(connected).filter((k) => k !== "$subject"), [
          "type",
          "id",
          "timestamp",
          "server",
          "client",
        ]);
        assert.equal(connected.type, "io.nats.server.advisory.v1.client_connect");
        assert.match(connected.id, /^[0-9A-Za-z]{22}$/);
        assert.deepEqual(Object.keys(connected.server), SERVER_INFO_KEYS);
        const c = connected.client;
        assert.equal(c.acc, "A");
        assert.equal(c.user, "a");
        assert.equal(c.name, "sys-e2e-a");
        assert.equal(c.lang, "nats.js");
        assert.equal(c.host, "127.0.0.1");
        assert.equal(c.kind, "Client");
        assert.equal(c.client_type, "nats");
        assert.ok(c.id > 0 && "start" in c);

        const gone = await events.next("the DISCONNECT event");
        assert.equal(gone.$subject, "$SYS.ACCOUNT.A.DISCONNECT");
        assert.equal(gone.type, "io.nats.server.advisory.v1.client_disconnect");
        assert.equal(gone.client.id, c.id);
        assert.ok("stop" in gone.client);
        assert.ok(gone.client.rtt > 0, "rtt in nanoseconds");
        assert.deepEqual(gone.sent, { msgs: 1, bytes: 5 });
        assert.deepEqual(gone.received, { msgs: 0, bytes: 0 });
        assert.equal(gone.reason, "Client Closed");
        assert.ok(gone.server.seq > connected.server.seq);
      }, sys);
    });

    test("a failed login is reported on CLIENT.AUTH.ERR", async (srv) => {
      await withClient(srv.url, async (nc) => {
        const id = nc.info!.server_id;
        const events = collect(nc, `$SYS.SERVER.${id}.CLIENT.AUTH.ERR`);
        await nc.flush();
        await failLogin(srv.port, "wrong");
        const e = await events.next("the auth error event");
        assert.equal(e.type, "io.nats.server.advisory.v1.client_disconnect");
        assert.equal(e.reason, "Authentication Failure");
        assert.equal(e.client.user, "a");
        assert.doesNotMatch(JSON.stringify(e), /wrong/, "never the password");
      }, sys);
    });

    test("the system account's requests are not visible from account A", async (srv) => {
      await withClient(srv.url, async (a) => {
        await assert.rejects(
          a.request("$SYS.REQ.SERVER.PING", "", { timeout: 3000 }),
          /no responders/i,
        );
      }, { user: "a", pass: "a" });
    });

    test("$SYS.REQ.ACCOUNT.A.CONNZ lists only account A's connections", async (srv) => {
      await withClient(srv.url, async (nc) => {
        await withClient(srv.url, async () => {
          const r = await ask(nc, "$SYS.REQ.ACCOUNT.A.CONNZ", '{"auth":true}');
          const accounts = new Set(r.data.connections.map((c: Json) => c.account));
          assert.deepEqual([...accounts], ["A"]);
        }, { user: "a", pass: "a" });
      }, sys);
    });
  },
);

// ---- field names side by side with the reference nats-server ----

/** Every key path in `ref` missing from `ours` (arrays compared by their first element). */
function missingKeys(ref: unknown, ours: unknown, path: string, skip: Set<string>): string[] {
  if (Array.isArray(ref) && Array.isArray(ours)) {
    if (ref.length === 0 || ours.length === 0) return [];
    return missingKeys(ref[0], ours[0], `${path}[]`, skip);
  }
  const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObj(ref) || !isObj(ours) || skip.has(`${path}.*`)) return [];
  const missing: string[] = [];
  for (const key of Object.keys(ref)) {
    const p = `${path}.${key}`;
    if (skip.has(p)) continue;
    if (!(key in ours)) missing.push(p);
    else missing.push(...missingKeys(ref[key], ours[key], p, skip));
  }
  return missing;
}

/** Fields nats-server sends that Skiff leaves out on purpose (as in the /varz comparison). */
const SKIP = new Set([
  "VARZ.data.go",
  "VARZ.data.gomaxprocs",
  "VARZ.data.http_req_stats.*",
]);

const REQUESTS: [string, string, string][] = [
  ["PING", "$SYS.REQ.SERVER.PING", ""],
  ["VARZ", "$SYS.REQ.SERVER.PING.VARZ", ""],
  ["CONNZ", "$SYS.REQ.SERVER.PING.CONNZ", '{"subscriptions":true,"state":2}'],
  ["SUBSZ", "$SYS.REQ.SERVER.PING.SUBSZ", '{"subscriptions":true}'],
  ["HEALTHZ", "$SYS.REQ.SERVER.PING.HEALTHZ", ""],
  ["ERR400", "$SYS.REQ.SERVER.PING.CONNZ", "{bad"],
  ["ERR500", "$SYS.REQ.SERVER.PING.CONNZ", '{"sort":"bogus"}'],
];

const REFERENCE = referenceBinary();

/** Starts Skiff and the reference with the same config; `body` gets [skiff, reference] ports. */
async function sideBySide(config: string, body: (ports: number[]) => Promise<void>) {
  const cfg = await writeConfig(config);
  const ports = [freePort(), freePort()];
  const procs = [
    spawn(["-a", "127.0.0.1", "-p", String(ports[0]), "-c", cfg.path]),
    spawn(["-a", "127.0.0.1", "-p", String(ports[1]), "-c", cfg.path], [REFERENCE!]),
  ];
  try {
    await Promise.all(ports.map((p, i) => waitForPort(p, procs[i])));
    await body(ports);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await cfg.cleanup();
  }
}

Deno.test({
  name: "system replies carry every field the reference nats-server sends",
  ignore: REFERENCE === null || isReference(),
  fn: () =>
    sideBySide(SYS_AS_GLOBAL, async (ports) => {
      const answers = await Promise.all(ports.map((port) =>
        withClient(`nats://127.0.0.1:${port}`, async (nc) => {
          nc.subscribe("fields.sub");
          await withClient(`nats://127.0.0.1:${port}`, (c) => c.flush(), { name: "closed" });
          await nc.flush();
          const out: Json = {};
          for (const [name, subject, body] of REQUESTS) out[name] = await ask(nc, subject, body);
          return out;
        })
      ));
      const problems: string[] = [];
      for (const [name] of REQUESTS) {
        problems.push(...missingKeys(answers[1][name], answers[0][name], name, SKIP));
      }
      assert.deepEqual(problems, [], "fields nats-server sends and Skiff lacks");
    }),
});

Deno.test({
  name: "system events carry every field the reference nats-server sends",
  ignore: REFERENCE === null || isReference(),
  fn: () =>
    sideBySide(EVENTS_CONFIG, async (ports) => {
      const events = await Promise.all(ports.map((port) => {
        const url = `nats://127.0.0.1:${port}`;
        return withClient(url, async (nc) => {
          const id = nc.info!.server_id;
          const seen = collect(nc, "$SYS.>");
          await nc.flush();
          await withClient(url, async (a) => {
            a.publish("x", "hello");
            await a.flush();
          }, { user: "a", pass: "a", name: "fields" });
          await failLogin(port, "bad");
          const bySubject: Json = {};
          const wanted = [
            "$SYS.ACCOUNT.A.CONNECT",
            "$SYS.ACCOUNT.A.DISCONNECT",
            "$SYS.ACCOUNT.A.SERVER.CONNS",
            `$SYS.SERVER.${id}.CLIENT.AUTH.ERR`,
          ];
          await waitFor(() => {
            for (const m of seen.got) bySubject[m.subject.replace(id, "<id>")] ??= m.json();
            return wanted.every((w) => bySubject[w.replace(id, "<id>")]) ? true : undefined;
          }, () => `events ${wanted} on ${url}; got ${Object.keys(bySubject)}`);
          return bySubject;
        }, { user: "sys", pass: "sys" });
      }));
      const problems: string[] = [];
      for (const subject of Object.keys(events[1])) {
        if (!(subject in events[0])) {
          if (subject.includes(".ACCOUNT.A.") || subject.includes("AUTH.ERR")) {
            problems.push(subject);
          }
          continue;
        }
        problems.push(...missingKeys(events[1][subject], events[0][subject], subject, SKIP));
      }
      assert.deepEqual(problems, [], "event fields nats-server sends and Skiff lacks");
    }),
});
