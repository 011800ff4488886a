import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { Authenticator } from "../../../src/auth/mod.ts";
import { LeafAuthenticator } from "../../../src/cluster/leaf_auth.ts";
import type { LeafAuthConfig } from "../../../src/cluster/leaf_config.ts";

const NONE: LeafAuthConfig = { user: "", password: "", account: null, users: [], timeoutMs: 2000 };
const HASH = bcrypt.hashSync("s3cret", 4);

Deno.test("leaf auth: the single user binds to authorization.account", () => {
  const auth = new LeafAuthenticator(
    { ...NONE, user: "leaf", password: HASH, account: "EDGE" },
    () => null,
  );
  assert.deepEqual(auth.authenticate({ user: "leaf", pass: "s3cret" }, "n"), { account: "EDGE" });
  assert.equal(auth.authenticate({ user: "leaf", pass: "wrong" }, "n"), null);
  assert.equal(auth.authenticate({}, "n"), null);
});

Deno.test("leaf auth: users bind to their own accounts", () => {
  const auth = new LeafAuthenticator({
    ...NONE,
    users: [
      { user: "a", password: "pa", account: "A" },
      { user: "g", password: "pg", account: null },
    ],
  }, () => null);
  assert.deepEqual(auth.authenticate({ user: "a", pass: "pa" }, "n"), { account: "A" });
  assert.deepEqual(auth.authenticate({ user: "g", pass: "pg" }, "n"), { account: null });
  assert.equal(auth.authenticate({ user: "a", pass: "pg" }, "n"), null);
  assert.equal(auth.authenticate({ user: "nobody", pass: "" }, "n"), null);
});

Deno.test("leaf auth: without leaf users, client users allowed on LEAFNODE connections", () => {
  const clients = new Authenticator({
    users: [
      {
        name: "edge",
        password: "pw",
        isNkey: false,
        account: "EDGE",
        permissions: null,
        connectionTypes: new Set(["LEAFNODE"]),
      },
      {
        name: "app",
        password: "pw",
        isNkey: false,
        account: null,
        permissions: null,
        connectionTypes: new Set(["STANDARD"]),
      },
    ],
  });
  const auth = new LeafAuthenticator(NONE, () => clients);
  assert.deepEqual(auth.authenticate({ user: "edge", pass: "pw" }, "n"), { account: "EDGE" });
  assert.equal(auth.authenticate({ user: "app", pass: "pw" }, "n"), null, "not a leaf user");
});

Deno.test("leaf auth: with no authentication anywhere, leafs bind to authorization.account", () => {
  assert.deepEqual(new LeafAuthenticator(NONE, () => null).authenticate({}, "n"), {
    account: null,
  });
  const bound = new LeafAuthenticator({ ...NONE, account: "EDGE" }, () => new Authenticator());
  assert.deepEqual(bound.authenticate({ user: "any" }, "n"), { account: "EDGE" });
});
