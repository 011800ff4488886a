import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { constantTimeEqual, isBcrypt, PasswordVerifier } from "../../../src/auth/passwords.ts";

// Cost 4 (the minimum) keeps the tests fast; the cache logic does not depend on the cost.
const HASH = bcrypt.hashSync("s3cret", 4);

Deno.test("passwords: bcrypt is recognised by nats-server's prefixes", () => {
  assert.ok(HASH.startsWith("$2b$04$"));
  for (const v of ["a", "b", "x", "y"]) assert.ok(isBcrypt(`$2${v}$10$abc`), v);
  assert.equal(isBcrypt("$2c$10$abc"), false);
  assert.equal(isBcrypt("$2a$1$abc"), false, "the cost has two digits");
  assert.equal(isBcrypt("2a$10$abc"), false);
  assert.equal(isBcrypt("s3cret"), false);
  assert.equal(isBcrypt(""), false);
});

Deno.test("passwords: plain secrets compare exactly", () => {
  const v = new PasswordVerifier();
  assert.ok(v.verify("pw", "pw"));
  assert.equal(v.verify("pw", "pW"), false);
  assert.equal(v.verify("pw", "pw "), false);
  assert.equal(v.verify("pw", ""), false);
  assert.ok(v.verify("", ""), "a user without a password takes an empty one");
  assert.ok(v.verify("pässwörd", "pässwörd"));
  assert.equal(v.bcryptRuns, 0);
  assert.ok(constantTimeEqual("abc", "abc"));
  assert.equal(constantTimeEqual("abc", "abd"), false);
  assert.equal(constantTimeEqual("abc", "ab"), false);
});

Deno.test("passwords: bcrypt hashes verify for every accepted version letter", () => {
  const v = new PasswordVerifier({ cacheSize: 0 });
  for (const letter of ["a", "b", "x", "y"]) {
    const hash = HASH.replace("$2b$", `$2${letter}$`);
    assert.ok(v.verify(hash, "s3cret"), letter);
    assert.equal(v.verify(hash, "wrong"), false, letter);
  }
  assert.equal(v.verify(HASH, HASH), false, "the hash itself is not the password");
});

Deno.test("passwords: a malformed hash never matches and does not throw", () => {
  const v = new PasswordVerifier();
  assert.equal(v.verify("$2a$10$short", "x"), false);
  assert.equal(v.verify("$2a$10$short", ""), false);
});

Deno.test("passwords: successful bcrypt checks are cached, failures are not", () => {
  const v = new PasswordVerifier();
  assert.ok(v.verify(HASH, "s3cret"));
  assert.equal(v.bcryptRuns, 1);
  for (let i = 0; i < 10; i++) assert.ok(v.verify(HASH, "s3cret"));
  assert.equal(v.bcryptRuns, 1, "reconnects reuse the verification");
  assert.equal(v.cached, 1);
  for (let i = 0; i < 3; i++) assert.equal(v.verify(HASH, "wrong"), false);
  assert.equal(v.bcryptRuns, 4, "every wrong password pays for bcrypt");
  assert.equal(v.cached, 1);
});

Deno.test("passwords: the cache is keyed by hash and password together", () => {
  const v = new PasswordVerifier();
  const other = bcrypt.hashSync("other", 4);
  assert.ok(v.verify(HASH, "s3cret"));
  assert.equal(v.verify(other, "s3cret"), false, "a cached password does not open another hash");
  assert.ok(v.verify(other, "other"));
  assert.equal(v.bcryptRuns, 3);
  assert.equal(v.cached, 2);
});

Deno.test("passwords: the cache is bounded and evicts the least recently used", () => {
  const v = new PasswordVerifier({ cacheSize: 2 });
  const hashes = ["a", "b", "c"].map((p) => bcrypt.hashSync(p, 4));
  assert.ok(v.verify(hashes[0], "a"));
  assert.ok(v.verify(hashes[1], "b"));
  assert.ok(v.verify(hashes[0], "a")); // a is now the most recent
  assert.ok(v.verify(hashes[2], "c")); // evicts b
  assert.equal(v.cached, 2);
  const runs = v.bcryptRuns;
  assert.ok(v.verify(hashes[0], "a"));
  assert.equal(v.bcryptRuns, runs, "a stayed cached");
  assert.ok(v.verify(hashes[1], "b"));
  assert.equal(v.bcryptRuns, runs + 1, "b was evicted");
});

Deno.test("passwords: a zero-size cache always runs bcrypt", () => {
  const v = new PasswordVerifier({ cacheSize: 0 });
  assert.ok(v.verify(HASH, "s3cret"));
  assert.ok(v.verify(HASH, "s3cret"));
  assert.equal(v.bcryptRuns, 2);
  assert.equal(v.cached, 0);
});

Deno.test("passwords: async checks share one bcrypt run and fill the cache", async () => {
  const v = new PasswordVerifier();
  const results = await Promise.all(
    Array.from({ length: 20 }, () => v.verifyAsync(HASH, "s3cret")),
  );
  assert.ok(results.every((r) => r));
  assert.equal(v.bcryptRuns, 1);
  assert.ok(v.verify(HASH, "s3cret"));
  assert.equal(v.bcryptRuns, 1, "the sync path sees the async result");
  assert.equal(await v.verifyAsync(HASH, "wrong"), false);
  assert.equal(await v.verifyAsync("$2a$10$short", "x"), false);
  assert.equal(await v.verifyAsync("plain", "plain"), true);
});
