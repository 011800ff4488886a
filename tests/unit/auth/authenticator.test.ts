/**
 * CONNECT credential checks. Each accept/refuse below matches what nats-server 2.9.10 does for
 * the same config and CONNECT (probed over raw TCP), except where a test says it differs.
 */

import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import bcrypt from "bcryptjs";
import { type AuthCredentials, Authenticator } from "../../../src/auth/authenticator.ts";
import { decodeSeed, newNonce, PREFIX_USER, signNonce } from "../../../src/auth/nkeys.ts";
import { parseConfig } from "../../../src/config/conf_parser.ts";
import { ConfigError } from "../../../src/config/errors.ts";
import { defaultOptions } from "../../../src/config/options.ts";
import { encodePublicKey } from "../../../src/util/nkey.ts";

const HASH = bcrypt.hashSync("s3cret", 4);
const DOC_SEED = decodeSeed("SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY")!;
const DOC_PUBLIC = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";

function creds(c: Partial<AuthCredentials> = {}): AuthCredentials {
  return { user: "", pass: "", authToken: "", nkey: "", sig: "", ...c };
}

async function fromConfig(text: string, extra: Partial<ReturnType<typeof defaultOptions>> = {}) {
  const rawConfig = await parseConfig(text, "test.conf");
  return Authenticator.fromOptions({ ...defaultOptions(), ...extra, rawConfig });
}

Deno.test("authenticator: without any auth everyone is anonymous", () => {
  const a = new Authenticator();
  assert.equal(a.required, false);
  assert.equal(a.advertiseAuthRequired, false);
  assert.equal(a.needsNonce, false);
  const r = a.authenticate(creds({ user: "x", pass: "y", authToken: "z" }), null);
  assert.deepEqual(r, { user: "", account: null, permissions: null });
});

Deno.test("authenticator: a token must match auth_token exactly", () => {
  const a = new Authenticator({ token: "abc" });
  assert.ok(a.required);
  assert.ok(a.advertiseAuthRequired);
  assert.deepEqual(a.authenticate(creds({ authToken: "abc" }), null), {
    user: "",
    account: null,
    permissions: null,
  });
  assert.equal(a.authenticate(creds({ authToken: "abd" }), null), null);
  assert.equal(a.authenticate(creds({ pass: "abc" }), null), null, "not via pass");
  assert.equal(a.authenticate(creds({ user: "abc" }), null), null, "not via user");
  assert.equal(a.authenticate(creds(), null), null);
});

Deno.test("authenticator: a bcrypt token", () => {
  const a = new Authenticator({ token: HASH });
  assert.ok(a.authenticate(creds({ authToken: "s3cret" }), null));
  assert.equal(a.authenticate(creds({ authToken: HASH }), null), null);
});

Deno.test("authenticator: a single user needs the name and the password", () => {
  const a = new Authenticator({ username: "u", password: HASH });
  assert.deepEqual(a.authenticate(creds({ user: "u", pass: "s3cret" }), null), {
    user: "u",
    account: null,
    permissions: null,
  });
  assert.equal(a.authenticate(creds({ user: "v", pass: "s3cret" }), null), null);
  assert.equal(a.authenticate(creds({ user: "u", pass: "nope" }), null), null);
  assert.equal(a.authenticate(creds({ pass: "s3cret" }), null), null);
});

Deno.test("authenticator: a token takes precedence over a single user", () => {
  // As nats-server with --user, --pass and --auth: only the token is checked.
  const a = new Authenticator({ username: "u", password: "p", token: "t" });
  assert.equal(a.authenticate(creds({ user: "u", pass: "p" }), null), null);
  assert.ok(a.authenticate(creds({ authToken: "t" }), null));
});

Deno.test("authenticator: users from the config, plain and bcrypt", async () => {
  const a = await fromConfig(`authorization { users: [
    {user: alice, password: "${HASH}"}
    {user: bob, password: pw, permissions: {publish: "bob.>"}}
    {user: nopw}
  ] }`);
  assert.ok(a.required);
  assert.ok(a.advertiseAuthRequired);
  assert.equal(a.needsNonce, false);
  assert.equal(a.authenticate(creds({ user: "alice", pass: "s3cret" }), null)?.user, "alice");
  assert.equal(a.authenticate(creds({ user: "alice", pass: "pw" }), null), null);
  const bob = a.authenticate(creds({ user: "bob", pass: "pw" }), null);
  assert.equal(bob?.user, "bob");
  assert.equal(bob?.account, null);
  assert.ok(bob?.permissions?.canPublish("bob.x"));
  assert.equal(bob?.permissions?.canPublish("alice.x"), false);
  assert.equal(a.authenticate(creds({ user: "carol", pass: "pw" }), null), null);
  assert.equal(a.authenticate(creds(), null), null, "no credentials");
  assert.equal(a.authenticate(creds({ pass: "pw" }), null), null, "a password alone");
  assert.ok(a.authenticate(creds({ user: "nopw" }), null), "a user without a password");
  assert.equal(a.authenticate(creds({ user: "nopw", pass: "zz" }), null), null);
});

Deno.test("authenticator: users sharing default permissions share one Permissions", async () => {
  const a = await fromConfig(`authorization {
    default_permissions: { publish: "dflt.>" }
    users: [ {user: a, password: x}, {user: b, password: x}, {user: c, password: x, permissions: {}} ]
  }`);
  const pa = a.authenticate(creds({ user: "a", pass: "x" }), null)!.permissions;
  const pb = a.authenticate(creds({ user: "b", pass: "x" }), null)!.permissions;
  assert.ok(pa !== null && pa === pb);
  assert.ok(pa.canPublish("dflt.x"));
  assert.equal(pa.canPublish("nope"), false);
  const pc = a.authenticate(creds({ user: "c", pass: "x" }), null)!.permissions;
  assert.ok(
    pc !== null && pc !== pa && pc.canPublish("nope"),
    "own (empty) block replaces defaults",
  );
});

Deno.test("authenticator: account users authenticate into their account", async () => {
  const a = await fromConfig(`accounts {
    A: { users: [ {user: a, password: x} ], default_permissions: { subscribe: "a.>" } }
    B: { users: [ {user: b, password: y} ] }
  }`);
  const ra = a.authenticate(creds({ user: "a", pass: "x" }), null)!;
  assert.equal(ra.account, "A");
  assert.ok(ra.permissions?.canSubscribe("a.b", null));
  assert.equal(ra.permissions?.canSubscribe("b.a", null), false);
  const rb = a.authenticate(creds({ user: "b", pass: "y" }), null)!;
  assert.deepEqual(rb, { user: "b", account: "B", permissions: null });
  assert.equal(a.authenticate(creds({ user: "a", pass: "y" }), null), null);
});

Deno.test("authenticator: no_auth_user binds a CONNECT without credentials", async () => {
  const a = await fromConfig(`no_auth_user: a
authorization { users: [ {user: a, password: x}, {user: b, password: y} ] }`);
  assert.ok(a.required);
  assert.equal(a.advertiseAuthRequired, false, "INFO leaves auth_required out");
  assert.equal(a.noAuthUser, "a");
  assert.equal(a.authenticate(creds(), null)?.user, "a");
  assert.equal(a.authenticate(creds({ pass: "x" }), null), null, "a password alone");
  assert.equal(a.authenticate(creds({ authToken: "x" }), null), null, "a token alone");
  assert.equal(a.authenticate(creds({ user: "b", pass: "x" }), null), null);
  assert.equal(a.authenticate(creds({ user: "b", pass: "y" }), null)?.user, "b");
  // An nkey with no nkey users configured is ignored: still no credentials.
  assert.equal(a.authenticate(creds({ nkey: DOC_PUBLIC }), null)?.user, "a");
});

Deno.test("authenticator: no_auth_user works with a bcrypt password (differs from 2.9)", async () => {
  // nats-server 2.9.10 replays the stored hash as the password and refuses.
  const a = await fromConfig(`no_auth_user: a
authorization { users: [ {user: a, password: "${HASH}"} ] }`);
  assert.equal(a.authenticate(creds(), null)?.user, "a");
  assert.equal(a.verifier.bcryptRuns, 0);
});

Deno.test("authenticator: nkey users sign the nonce", () => {
  const a = new Authenticator({
    nkeys: [{
      name: DOC_PUBLIC,
      password: "",
      isNkey: true,
      account: "A",
      permissions: null,
      connectionTypes: null,
    }],
  });
  assert.ok(a.required);
  assert.ok(a.needsNonce);
  const nonce = newNonce();
  const sig = signNonce(DOC_SEED.secretKey, nonce);
  assert.deepEqual(a.authenticate(creds({ nkey: DOC_PUBLIC, sig }), nonce), {
    user: DOC_PUBLIC,
    account: "A",
    permissions: null,
  });
  assert.equal(a.authenticate(creds({ nkey: DOC_PUBLIC, sig }), newNonce()), null, "other nonce");
  assert.equal(a.authenticate(creds({ nkey: DOC_PUBLIC }), nonce), null, "no signature");
  assert.equal(a.authenticate(creds({ nkey: DOC_PUBLIC, sig }), null), null, "no nonce sent");
  assert.equal(a.authenticate(creds(), nonce), null, "no nkey");

  const other = ed.utils.randomSecretKey();
  const otherKey = encodePublicKey(PREFIX_USER, ed.getPublicKey(other));
  const otherSig = signNonce(other, nonce);
  assert.equal(a.authenticate(creds({ nkey: otherKey, sig: otherSig }), nonce), null, "unknown");
  assert.equal(
    a.authenticate(creds({ nkey: DOC_PUBLIC, sig: otherSig }), nonce),
    null,
    "signed by another key",
  );
});

Deno.test("authenticator: an unknown nkey fails even with valid user credentials", async () => {
  const a = await fromConfig(
    `authorization { users: [ {user: a, password: x}, {nkey: ${DOC_PUBLIC}} ] }`,
  );
  const other = encodePublicKey(PREFIX_USER, ed.getPublicKey(ed.utils.randomSecretKey()));
  assert.equal(a.authenticate(creds({ user: "a", pass: "x", nkey: other, sig: "x" }), "n"), null);
  assert.ok(a.authenticate(creds({ user: "a", pass: "x" }), "n"));
});

Deno.test("authenticator: allowed_connection_types limit where a user may connect", async () => {
  const a = await fromConfig(`authorization { users: [
    {user: ws, password: x, allowed_connection_types: ["WEBSOCKET"]}
    {user: any, password: x}
  ] }`);
  assert.equal(a.authenticate(creds({ user: "ws", pass: "x" }), null), null);
  assert.ok(a.authenticate(creds({ user: "ws", pass: "x" }), null, "WEBSOCKET"));
  assert.ok(a.authenticate(creds({ user: "any", pass: "x" }), null, "MQTT"));
});

Deno.test("authenticator: reconnects with the same bcrypt password run bcrypt once", async () => {
  const a = new Authenticator({
    users: [{
      name: "svc",
      password: HASH,
      isNkey: false,
      account: null,
      permissions: null,
      connectionTypes: null,
    }],
  });
  for (let i = 0; i < 50; i++) {
    assert.ok(a.authenticate(creds({ user: "svc", pass: "s3cret" }), null));
  }
  assert.equal(a.verifier.bcryptRuns, 1);
  const storm = await Promise.all(
    Array.from(
      { length: 50 },
      () => a.authenticateAsync(creds({ user: "svc", pass: "s3cret" }), null),
    ),
  );
  assert.ok(storm.every((r) => r?.user === "svc"));
  assert.equal(a.verifier.bcryptRuns, 1);
  assert.equal(await a.authenticateAsync(creds({ user: "svc", pass: "bad" }), null), null);
  assert.equal(a.verifier.bcryptRuns, 2);
});

Deno.test("authenticator: the async path decides like the sync one", async () => {
  const a = await fromConfig(`no_auth_user: a
authorization { users: [ {user: a, password: "${HASH}"}, {user: b, password: pw} ] }`);
  const cases: AuthCredentials[] = [
    creds(),
    creds({ user: "a", pass: "s3cret" }),
    creds({ user: "a", pass: "bad" }),
    creds({ user: "b", pass: "pw" }),
    creds({ user: "c", pass: "pw" }),
    creds({ pass: "pw" }),
  ];
  for (const c of cases) {
    assert.deepEqual(
      await a.authenticateAsync(c, null),
      a.authenticate(c, null),
      JSON.stringify(c),
    );
  }
});

Deno.test("authenticator: fromOptions takes the single user and token from the options", async () => {
  const rawConfig = await parseConfig("authorization { user: u, password: p }", "test.conf");
  // Flags override the file: the options hold the resolved values.
  const a = Authenticator.fromOptions({
    ...defaultOptions(),
    rawConfig,
    username: "flaguser",
    password: "flagpass",
  });
  assert.ok(a.authenticate(creds({ user: "flaguser", pass: "flagpass" }), null));
  assert.equal(a.authenticate(creds({ user: "u", pass: "p" }), null), null);
  assert.equal(Authenticator.fromOptions(defaultOptions()).required, false);
});

Deno.test("authenticator: fromOptions reports config errors", async () => {
  await assert.rejects(
    () => fromConfig("authorization { users: [ {password: a} ] }"),
    (e: unknown) => e instanceof ConfigError && /User entry requires a user/.test(e.message),
  );
});
