import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/conf_parser.ts";
import { ConfigError } from "../../../src/config/errors.ts";
import { readLeafNodeConfig } from "../../../src/cluster/leaf_config.ts";

const ACCOUNTS = new Set(["$G", "EDGE"]);

async function read(text: string) {
  const root = await parseConfig(text, "test.conf", {
    readFile: () => Promise.reject(new Error("no includes")),
    env: () => undefined,
  });
  return readLeafNodeConfig(root, (name) => ACCOUNTS.has(name));
}

async function rejects(text: string, pattern: RegExp): Promise<void> {
  await assert.rejects(read(text), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

Deno.test("leaf config: no leafnodes block means no leaf nodes", async () => {
  assert.equal(await read("port: 4222"), null);
});

Deno.test("leaf config: the accept side", async () => {
  const c = (await read(`leafnodes {
    listen: "127.0.0.1:7422"
    advertise: "edge.example:7422"
    no_advertise: true
    authorization { user: leaf, password: pw, account: EDGE, timeout: 0.5 }
  }`))!;
  assert.deepEqual(c.listen, { host: "127.0.0.1", port: 7422 });
  assert.equal(c.advertise, "edge.example:7422");
  assert.equal(c.noAdvertise, true);
  assert.deepEqual(c.auth, {
    user: "leaf",
    password: "pw",
    account: "EDGE",
    users: [],
    timeoutMs: 500,
  });
  assert.deepEqual(c.remotes, []);
  assert.deepEqual((await read("leafnodes { port: 7422 }"))!.listen, {
    host: "0.0.0.0",
    port: 7422,
  });
  assert.deepEqual((await read("leafnodes { port: -1 }"))!.listen, { host: "0.0.0.0", port: 0 });
  assert.equal((await read("leafnodes { reconnect: 5 }"))!.listen, null);
});

Deno.test("leaf config: remotes, with url or urls, deny lists and hub", async () => {
  const c = (await read(`leafnodes {
    reconnect: 3
    remotes: [
      { url: "nats-leaf://user:p%40ss@hub.example:7000", account: EDGE, hub: true,
        deny_imports: ["secret.>"], deny_exports: "private.*" }
      { urls: ["nats://a", "nats-leaf://[::1]:7500"], no_randomize: true }
    ]
  }`))!;
  assert.equal(c.reconnectMs, 3000);
  assert.deepEqual(c.remotes[0], {
    urls: [{ host: "hub.example", port: 7000, user: "user", pass: "p@ss" }],
    account: "EDGE",
    denyImports: ["secret.>"],
    denyExports: ["private.*"],
    hub: true,
    noRandomize: false,
  });
  assert.deepEqual(c.remotes[1].urls, [
    { host: "a", port: 7422, user: "", pass: "" },
    { host: "::1", port: 7500, user: "", pass: "" },
  ]);
  assert.equal(c.remotes[1].account, "$G");
  assert.equal(c.remotes[1].noRandomize, true);
});

Deno.test("leaf config: users bind to accounts", async () => {
  const c = (await read(`leafnodes { port: 7422, authorization { users: [
    { user: a, password: x, account: EDGE }
    { user: b, pass: y }
  ] } }`))!;
  assert.deepEqual(c.auth.users, [
    { user: "a", password: "x", account: "EDGE" },
    { user: "b", password: "y", account: null },
  ]);
});

Deno.test("leaf config: errors name the place, as nats-server -t does", async () => {
  await rejects("leafnodes { port: 7422, foo: 1 }", /^test\.conf:1:25: unknown field "foo"/);
  // Columns are 1-based (nats-server -t reports 24 and 47 for these two: one less).
  await rejects(
    'leafnodes { remotes: [ { urls: ["nats://a:1"], bogus: 2 } ] }',
    /^test\.conf:1:48: unknown field "bogus"/,
  );
  await rejects("leafnodes { remotes: [ { url: 5 } ] }", /url to be an array or string/);
  await rejects('leafnodes { remotes: [ { url: "::bad url" } ] }', /error parsing leafnode url/);
  await rejects('leafnodes { remotes: { url: "nats://a" } }', /remotes field to be an array/);
  await rejects("leafnodes { remotes: [ { account: EDGE } ] }", /needs a url/);
  await rejects(
    'leafnodes { remotes: [ { url: "nats://a", account: NOPE } ] }',
    /cannot find local account "NOPE"/,
  );
  await rejects(
    'leafnodes { remotes: [ { url: "nats://a", deny_imports: 5 } ] }',
    /subject, or array of subjects/,
  );
  await rejects(
    "leafnodes { authorization { user: a, password: b, users: [ {user: c, password: d} ] } }",
    /can not have a single user\/pass and a users array/,
  );
  await rejects(
    "leafnodes { authorization { users: [ {user: c, password: d}, {user: c, password: e} ] } }",
    /duplicate user "c" detected in leafnode authorization/,
  );
  await rejects('leafnodes { remotes: [ { url: "tls://a" } ] }', /not supported yet/);
  await rejects("leafnodes { tls { cert_file: x } }", /TLS is not supported/);
  await rejects("leafnodes: 5", /expected a map to define a leafnode/);
});
