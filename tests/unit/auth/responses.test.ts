import assert from "node:assert/strict";
import { REPLY_PERMIT_LIMIT, ReplyPermits } from "../../../src/auth/responses.ts";

Deno.test("responses: no permit without a delivered request", () => {
  const r = new ReplyPermits({ max: 1, expiresMs: 1000 });
  assert.equal(r.use("_INBOX.x", 0), false);
});

Deno.test("responses: a permit allows `max` replies, then is gone", () => {
  // Probed: allow_responses {max: 2} lets two replies through and refuses the third.
  const r = new ReplyPermits({ max: 2, expiresMs: 120_000 });
  r.grant("rep.1", 0);
  assert.ok(r.use("rep.1", 1));
  assert.ok(r.use("rep.1", 2));
  assert.equal(r.use("rep.1", 3), false);
  assert.equal(r.size, 0);
  assert.equal(r.use("rep.1", 4), false);
});

Deno.test("responses: a permit expires after expiresMs", () => {
  const r = new ReplyPermits({ max: 10, expiresMs: 1000 });
  r.grant("rep", 0);
  assert.ok(r.use("rep", 1000));
  assert.equal(r.use("rep", 1001), false);
  assert.equal(r.size, 0);
});

Deno.test("responses: non-positive limits mean unlimited", () => {
  const r = new ReplyPermits({ max: -1, expiresMs: -1 });
  r.grant("rep", 0);
  for (let i = 0; i < 100; i++) assert.ok(r.use("rep", i * 1e9));
});

Deno.test("responses: a repeated request restarts its permit", () => {
  const r = new ReplyPermits({ max: 1, expiresMs: 1000 });
  r.grant("rep", 0);
  assert.ok(r.use("rep", 1));
  r.grant("rep", 2);
  assert.ok(r.use("rep", 3));
});

Deno.test("responses: stale permits are pruned once past the limit", () => {
  const r = new ReplyPermits({ max: 1, expiresMs: 1000 });
  for (let i = 0; i < REPLY_PERMIT_LIMIT; i++) r.grant(`old.${i}`, 0);
  assert.equal(r.size, REPLY_PERMIT_LIMIT);
  r.grant("new", 5000); // over the limit: the expired ones go
  assert.equal(r.size, 1);
  assert.ok(r.use("new", 5001));
});

Deno.test("responses: live permits past the limit are kept, pruning stays amortized", () => {
  const r = new ReplyPermits({ max: 1, expiresMs: 1_000_000 });
  const n = REPLY_PERMIT_LIMIT * 3;
  for (let i = 0; i < n; i++) r.grant(`live.${i}`, i);
  assert.equal(r.size, n);
  assert.ok(r.use("live.0", n));
  r.prune(n);
  assert.equal(r.size, n - 1, "a used-up permit is pruned");
});
