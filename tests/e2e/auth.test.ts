/**
 * Authentication and authorization end to end: users (plain and bcrypt), tokens, nkeys,
 * no_auth_user, the auth timeout, and publish/subscribe permissions, over raw TCP (exact
 * bytes) and with the official client. Expectations are nats-server 2.9.10's (probed);
 * `SKIFF_SERVER=nats-server deno test -A tests/e2e/auth.test.ts` runs them against it.
 */

import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import {
  connect,
  type NatsConnection,
  nkeyAuthenticator,
  nkeys,
  PermissionViolationError,
} from "@nats-io/transport-node";
import { RawClient } from "../_helpers/raw_client.ts";
import { serverSuite } from "../_helpers/suite.ts";

const enc = new TextEncoder();

const VIOLATION = "-ERR 'Authorization Violation'\r\n";
const TIMEOUT = "-ERR 'Authentication Timeout'\r\n";
const pubViolation = (s: string) => `-ERR 'Permissions Violation for Publish to "${s}"'\r\n`;
const subViolation = (s: string, q?: string) =>
  `-ERR 'Permissions Violation for Subscription to "${s}"${q ? ` using queue "${q}"` : ""}'\r\n`;

// The key pair from the NATS docs (nkey_auth.md).
const SEED = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
const NKEY = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";

// Cost 4 keeps startup fast; the server cannot tell.
const ALICE_HASH = bcrypt.hashSync("alicepw", 4);

const USERS_CONFIG = `
authorization {
  users: [
    {user: admin, password: adminpw}
    {user: alice, password: "${ALICE_HASH}", permissions: {
      publish: { allow: ["alice.>", "shared.>"], deny: ["shared.secret"] }
      subscribe: { allow: ["alice.>", "shared.*", "work grp"], deny: ["shared.secret"] }
    }}
    {user: responder, password: r, permissions: { subscribe: "svc", allow_responses: {max: 1} }}
    {nkey: ${NKEY}, permissions: { publish: "nk.>", subscribe: "nk.>" }}
  ]
}
accounts {
  A: { users: [ {user: a, password: a} ] }
  B: { users: [ {user: b, password: b} ] }
}
`;

const user = (name: string, pass: string) => ({
  verbose: false,
  pedantic: false,
  headers: true,
  protocol: 1,
  user: name,
  pass,
});

/** Raw client: connect, read INFO, send `connectJson` + PING, return what came back. */
async function attempt(port: number, connectOpts: Record<string, unknown>) {
  const c = await RawClient.connect(port);
  await c.readInfo();
  await c.send(`CONNECT ${JSON.stringify(connectOpts)}\r\nPING\r\n`);
  return c;
}

async function expectRefused(port: number, connectOpts: Record<string, unknown>) {
  await using c = await attempt(port, connectOpts);
  await c.expect(new RegExp(`^${VIOLATION}`));
  await c.expectClosed();
}

/** Signs the INFO nonce with the official client's nkeys module (not Skiff's code). */
function signWith(seed: string, nonce: string): string {
  const kp = nkeys.fromSeed(enc.encode(seed));
  const sig = kp.sign(enc.encode(nonce));
  return btoa(String.fromCharCode(...sig)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function withConn<T>(
  opts: Parameters<typeof connect>[0],
  body: (nc: NatsConnection) => Promise<T>,
): Promise<T> {
  const nc = await connect({ timeout: 5000, ...opts });
  try {
    return await body(nc);
  } finally {
    await nc.close();
  }
}

serverSuite("auth: users, nkeys and permissions", { config: USERS_CONFIG }, (test) => {
  test("INFO says auth is required and carries a 15-character nonce", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    const info = await c.readInfo();
    assert.equal(info.auth_required, true);
    assert.match(String(info.nonce), /^[A-Za-z0-9_-]{15}$/);
    await using d = await RawClient.connect(srv.port);
    assert.notEqual((await d.readInfo()).nonce, info.nonce, "a fresh nonce per connection");
  });

  test("a CONNECT without credentials is an Authorization Violation and closes", async (srv) => {
    await expectRefused(srv.port, { verbose: false });
  });

  test("a wrong password, an unknown user or a wrong bcrypt password is refused", async (srv) => {
    await expectRefused(srv.port, user("admin", "nope"));
    await expectRefused(srv.port, user("mallory", "adminpw"));
    await expectRefused(srv.port, user("alice", "adminpw"));
    await expectRefused(srv.port, user("alice", ALICE_HASH));
    await assertServerWorksAs(srv.port);
  });

  test("verbose CONNECT with bad credentials gets no +OK, only the violation", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.readInfo();
    await c.send(`CONNECT {"verbose":true,"user":"admin","pass":"nope"}\r\n`);
    await c.expect(new RegExp(`^${VIOLATION}`));
    await c.expectClosed();
  });

  test("an op before CONNECT is an Authorization Violation", async (srv) => {
    for (const op of ["PING\r\n", "SUB foo 1\r\n", "PUB foo 1\r\nx\r\n"]) {
      await using c = await RawClient.connect(srv.port);
      await c.readInfo();
      await c.send(op);
      await c.expect(new RegExp(`^${VIOLATION}`));
      await c.expectClosed();
    }
  });

  test("plain and bcrypt passwords let users in (raw and official client)", async (srv) => {
    await using admin = await RawClient.open(srv.port, user("admin", "adminpw"));
    await using alice = await RawClient.open(srv.port, user("alice", "alicepw"));
    assert.equal(await admin.barrier(), "");
    assert.equal(await alice.barrier(), "");
    await withConn({ servers: srv.url, user: "alice", pass: "alicepw" }, async (nc) => {
      await nc.flush();
    });
  });

  test("an nkey user signs the nonce (raw client)", async (srv) => {
    const c = await RawClient.connect(srv.port);
    try {
      const info = await c.readInfo();
      const sig = signWith(SEED, String(info.nonce));
      await c.handshake({ verbose: false, pedantic: false, headers: true, nkey: NKEY, sig });
      await c.send("SUB nk.x 1\r\nPUB nk.x 2\r\nhi\r\n");
      await c.expect(/^MSG nk\.x 1 2\r\nhi\r\n/);
    } finally {
      await c.close();
    }
  });

  test("a signature over another nonce, or none, is refused", async (srv) => {
    await expectRefused(srv.port, { nkey: NKEY, sig: signWith(SEED, "not-the-nonce") });
    await expectRefused(srv.port, { nkey: NKEY });
    await expectRefused(srv.port, { nkey: NKEY, sig: "!!!" });
  });

  test("the official client's nkeyAuthenticator connects", async (srv) => {
    await withConn(
      { servers: srv.url, authenticator: nkeyAuthenticator(enc.encode(SEED)) },
      async (nc) => {
        const sub = nc.subscribe("nk.official", { max: 1 });
        nc.publish("nk.official", enc.encode("ok"));
        for await (const m of sub) assert.equal(m.string(), "ok");
      },
    );
  });

  test("a denied publish gets a Permissions Violation, stays open, is not delivered", async (srv) => {
    await using watcher = await RawClient.open(srv.port, user("admin", "adminpw"));
    await watcher.send("SUB > 1\r\n");
    await watcher.barrier();
    await using alice = await RawClient.open(srv.port, user("alice", "alicepw"));
    await alice.send("PUB other.x 1\r\nx\r\n");
    await alice.expect(new RegExp(`^${escape(pubViolation("other.x"))}`));
    await alice.send("PUB shared.secret 1\r\ny\r\n"); // deny wins over allow shared.>
    await alice.expect(new RegExp(`^${escape(pubViolation("shared.secret"))}`));
    await alice.send("PUB alice.ok 1\r\nz\r\n");
    assert.equal(await alice.barrier(), "", "the connection is still open and quiet");
    const seen = await watcher.barrier();
    assert.equal(seen, "MSG alice.ok 1 1\r\nz\r\n", "only the allowed message arrives");
  });

  test("a denied subscription gets a Permissions Violation and stays open", async (srv) => {
    await using alice = await RawClient.open(srv.port, user("alice", "alicepw"));
    const cases: [string, string][] = [
      ["SUB other 1\r\n", subViolation("other")],
      ["SUB shared.secret 2\r\n", subViolation("shared.secret")],
      ["SUB work 3\r\n", subViolation("work")],
      ["SUB work other 4\r\n", subViolation("work", "other")],
      ["SUB > 5\r\n", subViolation(">")],
    ];
    for (const [op, err] of cases) {
      await alice.send(op);
      await alice.expect(new RegExp(`^${escape(err)}`));
    }
    await alice.send("SUB work grp 6\r\nSUB alice.> 7\r\n");
    assert.equal(await alice.barrier(), "");
    // The refused sids never receive anything.
    await using admin = await RawClient.open(srv.port, user("admin", "adminpw"));
    await admin.send("PUB other 1\r\na\r\nPUB work 1\r\nb\r\nPUB alice.z 1\r\nc\r\n");
    await admin.barrier();
    await alice.expect(/^MSG work 6 1\r\nb\r\nMSG alice\.z 7 1\r\nc\r\n/);
    assert.equal(await alice.barrier(), "");
  });

  test("a wildcard subscription does not receive denied subjects", async (srv) => {
    await using alice = await RawClient.open(srv.port, user("alice", "alicepw"));
    await alice.send("SUB shared.* 1\r\n");
    assert.equal(await alice.barrier(), "");
    await using admin = await RawClient.open(srv.port, user("admin", "adminpw"));
    await admin.send("PUB shared.secret 1\r\ns\r\nPUB shared.ok 1\r\no\r\n");
    await admin.barrier();
    await alice.expect(/^MSG shared\.ok 1 1\r\no\r\n/);
    assert.equal(await alice.barrier(), "");
  });

  test("the official client sees a subscription permission error", async (srv) => {
    await withConn({ servers: srv.url, user: "alice", pass: "alicepw" }, async (nc) => {
      const sub = nc.subscribe("forbidden.subject");
      await nc.flush();
      const err = await within(sub.closed, 3000, "the subscription to close with an error");
      assert.ok(err instanceof PermissionViolationError, `got ${err}`);
      assert.equal(err.subject, "forbidden.subject");
    });
  });

  test("allow_responses lets a responder reply once to each request", async (srv) => {
    await using responder = await RawClient.open(srv.port, user("responder", "r"));
    await responder.send("SUB svc 1\r\n");
    await responder.barrier();
    await using client = await RawClient.open(srv.port, user("admin", "adminpw"));
    await client.send("SUB inbox.1 9\r\nPUB svc inbox.1 3\r\nreq\r\n");
    await client.barrier();
    await responder.expect(/^MSG svc 1 inbox\.1 3\r\nreq\r\n/);
    await responder.send("PUB inbox.1 2\r\nr1\r\nPUB inbox.1 2\r\nr2\r\nPUB elsewhere 1\r\nx\r\n");
    await responder.expect(new RegExp(`^${escape(pubViolation("inbox.1"))}`));
    await responder.expect(new RegExp(`^${escape(pubViolation("elsewhere"))}`));
    assert.equal(await responder.barrier(), "");
    assert.equal(await client.barrier(), "MSG inbox.1 9 2\r\nr1\r\n");
  });

  test("account users are isolated from each other and from the global account", async (srv) => {
    await using a = await RawClient.open(srv.port, user("a", "a"));
    await using b = await RawClient.open(srv.port, user("b", "b"));
    await using g = await RawClient.open(srv.port, user("admin", "adminpw"));
    for (const c of [a, b, g]) await c.send("SUB iso 1\r\n");
    for (const c of [a, b, g]) await c.barrier();
    await a.send("PUB iso 5\r\nfromA\r\n");
    await a.expect(/^MSG iso 1 5\r\nfromA\r\n/);
    assert.equal(await b.barrier(), "");
    assert.equal(await g.barrier(), "");
  });
});

/** A fresh admin connection still works (the server survived the refusals). */
async function assertServerWorksAs(port: number): Promise<void> {
  await using c = await RawClient.open(port, user("admin", "adminpw"));
  await c.send("SUB alive 1\r\nPUB alive 2\r\nok\r\n");
  await c.expect(/^MSG alive 1 2\r\nok\r\n/);
}

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`expected ${what} within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

serverSuite("auth: token", { config: `authorization { token: "s3cr3t" }` }, (test) => {
  test("INFO requires auth and has no nonce", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    const info = await c.readInfo();
    assert.equal(info.auth_required, true);
    assert.equal(info.nonce, undefined);
  });

  test("the token must come as auth_token", async (srv) => {
    await using ok = await attempt(srv.port, { verbose: false, auth_token: "s3cr3t" });
    await ok.expect(/^PONG\r\n/);
    await expectRefused(srv.port, { verbose: false, auth_token: "wrong" });
    await expectRefused(srv.port, { verbose: false, pass: "s3cr3t" });
    await expectRefused(srv.port, { verbose: false, user: "s3cr3t" });
  });

  test("the official client connects with `token`", async (srv) => {
    // (Refusals are checked over raw TCP: after the server closes, the Node transport of
    // the official client under Deno reports ECONNRESET as an uncaught error.)
    await withConn({ servers: srv.url, token: "s3cr3t" }, (nc) => nc.flush());
  });
});

serverSuite(
  "auth: no_auth_user",
  {
    config: `no_auth_user: guest
authorization { users: [
  {user: guest, password: g, permissions: { publish: "public.>" }}
  {user: admin, password: a}
] }`,
  },
  (test) => {
    test("INFO does not advertise auth_required", async (srv) => {
      await using c = await RawClient.connect(srv.port);
      const info = await c.readInfo();
      assert.equal(info.auth_required, undefined);
    });

    test("a CONNECT without credentials becomes the no_auth_user", async (srv) => {
      await using c = await RawClient.open(srv.port, { verbose: false, pedantic: false });
      await c.send("PUB private 1\r\nx\r\nPUB public.x 1\r\ny\r\n");
      await c.expect(new RegExp(`^${escape(pubViolation("private"))}`));
      assert.equal(await c.barrier(), "");
      await withConn({ servers: srv.url }, (nc) => nc.flush());
    });

    test("partial or wrong credentials are still refused", async (srv) => {
      await expectRefused(srv.port, { verbose: false, pass: "g" });
      await expectRefused(srv.port, { verbose: false, user: "admin", pass: "g" });
      await using admin = await RawClient.open(srv.port, user("admin", "a"));
      await admin.send("PUB private 1\r\nx\r\n");
      assert.equal(await admin.barrier(), "");
    });
  },
);

serverSuite(
  "auth: timeout",
  { config: `authorization { timeout: 1, users: [ {user: u, password: p} ] }` },
  (test) => {
    test("no CONNECT within authorization.timeout seconds gets Authentication Timeout", async (srv) => {
      await using c = await RawClient.connect(srv.port);
      await c.readInfo();
      const t0 = Date.now();
      await c.expect(new RegExp(`^${TIMEOUT}`), 3000);
      const waited = Date.now() - t0;
      assert.ok(waited >= 800 && waited < 2500, `timed out after ${waited}ms`);
      await c.expectClosed();
    });

    test("a CONNECT in time is not timed out later", async (srv) => {
      await using c = await RawClient.open(srv.port, user("u", "p"));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await c.barrier(), "");
      await assertServerWorksLoggedIn(srv.port);
    });
  },
);

async function assertServerWorksLoggedIn(port: number): Promise<void> {
  await using c = await RawClient.open(port, user("u", "p"));
  assert.equal(await c.barrier(), "");
}
