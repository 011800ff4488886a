/**
 * Reading users and permissions from the config tree. Accept/reject verdicts and error texts
 * are nats-server 2.9.10's (`nats-server -t`, or startup for no_auth_user); positions are
 * Skiff's (1-based, at the offending key, entry or value).
 */

import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/conf_parser.ts";
import { ConfigError } from "../../../src/config/errors.ts";
import { readAuthConfig } from "../../../src/auth/users.ts";
import { DEFAULT_RESPONSE_PERMISSION } from "../../../src/auth/permissions.ts";

const NK = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";
const ACCOUNT_KEY = "ADXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";

async function load(text: string) {
  return readAuthConfig(await parseConfig(text, "test.conf"));
}

async function rejects(text: string, pattern: RegExp): Promise<ConfigError> {
  let caught: unknown;
  try {
    await load(text);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.match(caught.message, pattern);
  return caught;
}

Deno.test("users: no config, or none of the auth blocks, means no users", async () => {
  assert.deepEqual(readAuthConfig(null), { users: [], nkeys: [], noAuthUser: "" });
  assert.deepEqual(await load("port: 4222"), { users: [], nkeys: [], noAuthUser: "" });
  assert.deepEqual(await load("authorization { token: abc }"), {
    users: [],
    nkeys: [],
    noAuthUser: "",
  });
});

Deno.test("users: users and nkeys from authorization, with permissions", async () => {
  const cfg = await load(`
authorization {
  users: [
    {user: alice, password: "$2a$11$abcdefghijklmnopqrstuv", permissions: {publish: "a.>"}}
    {username: bob, pass: pw}
    {nkey: ${NK}, permissions: {subscribe: ["x", "y q"]}}
  ]
}`);
  assert.equal(cfg.users.length, 2);
  assert.equal(cfg.nkeys.length, 1);
  const [alice, bob] = cfg.users;
  assert.equal(alice.name, "alice");
  assert.equal(alice.password, "$2a$11$abcdefghijklmnopqrstuv");
  assert.equal(alice.account, null);
  assert.deepEqual(alice.permissions, {
    publish: { allow: ["a.>"], deny: null },
    subscribe: null,
    responses: null,
  });
  assert.equal(bob.name, "bob");
  assert.equal(bob.password, "pw");
  assert.equal(bob.permissions, null);
  const nk = cfg.nkeys[0];
  assert.equal(nk.name, NK);
  assert.equal(nk.isNkey, true);
  assert.deepEqual(nk.permissions?.subscribe, { allow: ["x", "y q"], deny: null });
});

Deno.test("users: a user without a password is valid", async () => {
  const cfg = await load("authorization { users: [ {user: a} ] }");
  assert.equal(cfg.users[0].password, "");
});

Deno.test("users: default_permissions (or `permissions`) apply to users without their own", async () => {
  for (const key of ["default_permissions", "default_permission", "permissions"]) {
    const cfg = await load(`
authorization {
  ${key}: { publish: "SANDBOX.*", subscribe: ["PUBLIC.>", "_INBOX.>"] }
  users: [
    {user: admin, password: a, permissions: {publish: ">", subscribe: ">"}}
    {user: other, password: b}
  ]
}`);
    const [admin, other] = cfg.users;
    assert.deepEqual(admin.permissions?.publish, { allow: [">"], deny: null }, key);
    assert.deepEqual(other.permissions, {
      publish: { allow: ["SANDBOX.*"], deny: null },
      subscribe: { allow: ["PUBLIC.>", "_INBOX.>"], deny: null },
      responses: null,
    });
  }
});

Deno.test("users: permission blocks can come from variables", async () => {
  const cfg = await load(`
authorization {
  REQUESTOR = { publish = ["req.a", "req.b"], subscribe = "_INBOX.>" }
  users = [ {user: client, password: x, permissions: $REQUESTOR} ]
}`);
  assert.deepEqual(cfg.users[0].permissions?.publish, { allow: ["req.a", "req.b"], deny: null });
});

Deno.test("users: account users carry their account; account defaults apply to them only", async () => {
  const cfg = await load(`
authorization {
  default_permissions: { publish: "global.only" }
  users: [ {user: g, password: x} ]
}
accounts {
  A: {
    users: [ {user: a1, password: x}, {user: a2, password: x, permissions: {subscribe: z}} ]
    default_permissions: { publish: "x" }
  }
  B: { users: [ {nkey: ${NK}} ], exports: [ {stream: "b.>"} ] }
  C: {}
}
`);
  const byName = new Map(cfg.users.map((u) => [u.name, u]));
  assert.equal(byName.get("g")!.account, null);
  assert.deepEqual(byName.get("g")!.permissions?.publish, { allow: ["global.only"], deny: null });
  assert.equal(byName.get("a1")!.account, "A");
  assert.deepEqual(byName.get("a1")!.permissions?.publish, { allow: ["x"], deny: null });
  assert.deepEqual(byName.get("a2")!.permissions, {
    publish: null,
    subscribe: { allow: ["z"], deny: null },
    responses: null,
  });
  assert.equal(cfg.nkeys[0].account, "B");
  assert.equal(cfg.nkeys[0].permissions, null, "authorization defaults do not reach accounts");
});

Deno.test("users: `accounts` as a list of names declares no users", async () => {
  assert.deepEqual((await load("accounts: [A, B]")).users, []);
});

Deno.test("users: allow/deny maps, queue entries and an empty map", async () => {
  const cfg = await load(`
authorization { users: [ {user: a, password: x, permissions: {
  publish: { deny: ">" }
  subscribe: { allow: ["foo", "foo v1", "bar *.dev"], deny: "> *.prod" }
}}, {user: b, password: x, permissions: { publish: {}, subscribe: [] }} ] }`);
  assert.deepEqual(cfg.users[0].permissions, {
    publish: { allow: null, deny: [">"] },
    subscribe: { allow: ["foo", "foo v1", "bar *.dev"], deny: ["> *.prod"] },
    responses: null,
  });
  assert.deepEqual(cfg.users[1].permissions, {
    publish: null,
    subscribe: { allow: null, deny: null },
    responses: null,
  });
});

Deno.test("users: allow_responses true, a map, defaults, and the blanket publish deny", async () => {
  const cfg = await load(`
authorization { users: [
  {user: b, password: b, permissions: {subscribe: "q", allow_responses: true}}
  {user: c, password: c, permissions: {subscribe: "q", allow_responses: {max: 5, expires: "1m"}}}
  {user: d, password: d, permissions: {allow_responses: {max: 0}, publish: {deny: "x"}}}
  {user: e, password: e, permissions: {publish: "p", allow_responses: {max: -1, ttl: "-1s"}}}
  {user: f, password: f, permissions: {allow_responses: false}}
] }`);
  const [b, c, d, e, f] = cfg.users.map((u) => u.permissions!);
  assert.deepEqual(b.responses, DEFAULT_RESPONSE_PERMISSION);
  assert.deepEqual(DEFAULT_RESPONSE_PERMISSION, { max: 1, expiresMs: 120_000 });
  assert.deepEqual(b.publish, { allow: [], deny: null }, "only replies may be published");
  assert.deepEqual(c.responses, { max: 5, expiresMs: 60_000 });
  assert.deepEqual(d.responses, { max: 1, expiresMs: 120_000 }, "max 0 keeps the default");
  assert.deepEqual(d.publish, { allow: [], deny: ["x"] });
  assert.deepEqual(e.responses, { max: -1, expiresMs: -1000 });
  assert.deepEqual(e.publish, { allow: ["p"], deny: null }, "an allow list is kept");
  assert.equal(f.responses, null);
  assert.equal(f.publish, null);
});

Deno.test("users: allowed_connection_types are read upper-cased", async () => {
  const cfg = await load(`authorization { users: [
    {user: a, password: x, allowed_connection_types: ["standard", "WEBSOCKET"]}
    {user: b, password: x, clients: mqtt}
  ] }`);
  assert.deepEqual([...cfg.users[0].connectionTypes!], ["STANDARD", "WEBSOCKET"]);
  assert.deepEqual([...cfg.users[1].connectionTypes!], ["MQTT"]);
  await rejects(
    `authorization { users: [ {user: a, clients: ["carrier_pigeon"]} ] }`,
    /^test\.conf:1:\d+: unknown connection type "carrier_pigeon"$/,
  );
});

Deno.test("users: no_auth_user must name a configured user", async () => {
  const cfg = await load(`no_auth_user: a
accounts { A: { users: [ {user: a, password: x} ] } }`);
  assert.equal(cfg.noAuthUser, "a");
  await rejects(
    `no_auth_user: bob
authorization { users: [ {user: a, password: x} ] }`,
    /^test\.conf:1:1: no_auth_user: "bob" not present as user in authorization block or account configuration$/,
  );
  await rejects(
    "no_auth_user: bob",
    /^test\.conf:1:1: no_auth_user: "bob" present, but users are not defined$/,
  );
  // 2.9 only binds password users, not nkeys.
  await rejects(
    `no_auth_user: ${NK}
authorization { users: [ {nkey: ${NK}} ] }`,
    /present, but users are not defined$/,
  );
});

const CONFIG_ERRORS: [string, string, RegExp][] = [
  [
    "a duplicate user",
    `authorization {
  users: [
    {user: a, password: x},
    {user: a, password: y}
  ]
}`,
    /^test\.conf:4:5: Duplicate user "a" detected$/,
  ],
  [
    "a duplicate nkey",
    `authorization { users: [ {nkey: ${NK}}, {nkey: ${NK}} ] }`,
    /^test\.conf:1:\d+: Duplicate nkey "UDXU4.*" detected$/,
  ],
  [
    "a user in two accounts",
    `accounts {
  A: { users: [ {user: a, password: x} ] }
  B: { users: [ {user: a, password: y} ] }
}`,
    /^test\.conf:3:\d+: Duplicate user "a" detected$/,
  ],
  [
    "a user in an account and in authorization",
    `accounts {
  A: { users: [ {user: a, password: x} ] }
}
authorization { users: [ {user: a, password: y} ] }`,
    /^test\.conf:4:\d+: Duplicate user "a" detected$/,
  ],
  [
    "a user entry without user or nkey",
    "authorization { users: [ {password: a} ] }",
    /^test\.conf:1:26: User entry requires a user$/,
  ],
  [
    "a malformed nkey",
    "authorization { users: [ {nkey: UABC} ] }",
    /^test\.conf:1:27: Not a valid public nkey for a user$/,
  ],
  [
    "an account key as a user nkey",
    `authorization { users: [ {nkey: ${ACCOUNT_KEY}} ] }`,
    /Not a valid public nkey for a user$/,
  ],
  [
    "an nkey user with a password",
    `authorization { users: [ {nkey: ${NK}, password: x} ] }`,
    /^test\.conf:1:26: Nkey users do not take usernames or passwords$/,
  ],
  [
    "user/pass with a token",
    "authorization { user: a, password: b, token: c }",
    /^test\.conf:1:1: Cannot have a user\/pass and token$/,
  ],
  [
    "a single user with a users list",
    "authorization { user: a, password: b, users: [ {user: c, password: d} ] }",
    /^test\.conf:1:1: Can not have a single user\/pass and a users array$/,
  ],
  [
    "a token with a users list",
    "authorization { token: t, users: [ {user: c, password: d} ] }",
    /^test\.conf:1:1: Can not have a token and a users array$/,
  ],
  [
    "`account` inside a user entry",
    "authorization { users: [ {user: c, password: d, account: A} ] }",
    /^test\.conf:1:49: unknown field "account"$/,
  ],
  [
    "an invalid permission subject",
    `authorization { users: [ {user: c, password: d, permissions: {publish: "a..b"}} ] }`,
    /^test\.conf:1:\d+: subject "a\.\.b" is not a valid subject$/,
  ],
  [
    "a subject with two queue names",
    `authorization { users: [ {user: c, permissions: {subscribe: ["foo bar baz"]}} ] }`,
    /subject "foo bar baz" is not a valid subject$/,
  ],
  [
    "an invalid subject before a queue name",
    `authorization { users: [ {user: c, permissions: {subscribe: ["a..b q"]}} ] }`,
    /subject "a\.\.b" is not a valid subject$/,
  ],
  [
    "an unknown permissions field",
    `authorization { users: [ {user: c, password: d, permissions: {foo: "a"}} ] }`,
    /^test\.conf:1:\d+: Unknown field "foo" parsing permissions$/,
  ],
  [
    "an unknown allow/deny field",
    `authorization { users: [ {user: c, permissions: {publish: {allow: "a", foo: "b"}}} ] }`,
    /Unknown field name "foo" parsing subject permissions, only 'allow' or 'deny' are permitted$/,
  ],
  [
    "allow_responses of the wrong type",
    `authorization { users: [ {user: a, permissions: {allow_responses: 5}} ] }`,
    /error parsing response permissions, expected a boolean or a map$/,
  ],
  [
    "an unknown allow_responses field",
    `authorization { users: [ {user: a, permissions: {allow_responses: {foo: 1}}} ] }`,
    /Unknown field "foo" parsing permissions$/,
  ],
  [
    "a bad expires duration",
    `authorization { users: [ {user: a, permissions: {allow_responses: {expires: "bad"}}} ] }`,
    /error parsing expires: time: invalid duration "bad"$/,
  ],
  [
    "an expires that is not a string",
    `authorization { users: [ {user: a, permissions: {allow_responses: {expires: 5}}} ] }`,
    /error parsing expires, not a duration string$/,
  ],
  [
    "users that are not a list",
    "authorization { users: {user: a} }",
    /^test\.conf:1:\d+: Expected users field to be an array, got a map$/,
  ],
  [
    "a user entry that is not a map",
    "authorization { users: [ a ] }",
    /^test\.conf:1:\d+: Expected user entry to be a map\/struct, got a$/,
  ],
  [
    "permissions that are not a map",
    "authorization { users: [ {user: a, permissions: foo} ] }",
    /Expected permissions to be a map\/struct, got foo$/,
  ],
  [
    "a subject of the wrong type",
    "authorization { users: [ {user: a, permissions: {publish: 1}} ] }",
    /Expected subject permissions to be a subject, or array of subjects, got an integer$/,
  ],
  [
    "a non-string subject in a list",
    `authorization { users: [ {user: a, permissions: {publish: ["a", 1]}} ] }`,
    /Subject in permissions array cannot be cast to string$/,
  ],
  [
    "a user name that is not a string",
    "authorization { users: [ {user: 1, password: x} ] }",
    /^test\.conf:1:\d+: invalid value for "user": expected a string/,
  ],
  [
    "an account that is not a map",
    "accounts { A: 1 }",
    /^test\.conf:1:12: Expected map entries for accounts$/,
  ],
  [
    "the reserved $G account",
    "accounts { $G: { users: [ {user: a, password: x} ] } }",
    /^test\.conf:1:12: "\$G" is a Reserved Account$/,
  ],
];

for (const [what, text, pattern] of CONFIG_ERRORS) {
  Deno.test(`users: ${what} is a config error`, async () => {
    await rejects(text, pattern);
  });
}
