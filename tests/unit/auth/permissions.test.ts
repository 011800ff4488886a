/**
 * Permission decisions. The tables were probed against nats-server 2.9.10 (raw SUB/PUB against
 * a user with the same permissions block) unless a row says otherwise.
 */

import assert from "node:assert/strict";
import {
  PERMISSION_CACHE_SIZE,
  Permissions,
  type PermissionsSpec,
} from "../../../src/auth/permissions.ts";

function perms(spec: Partial<PermissionsSpec>): Permissions {
  return new Permissions({ publish: null, subscribe: null, responses: null, ...spec });
}

// The probed block: subscribe allow/deny with queue entries, publish allow/deny.
const PROBED = perms({
  subscribe: {
    allow: ["foo.*", "bar.>", "q.a grp", "q.b v1.*"],
    deny: ["foo.secret", "bar.x.*", "> *.prod"],
  },
  publish: { allow: ["pub.>"], deny: ["pub.no"] },
});

const SUB_TABLE: [string, string | null, boolean][] = [
  ["foo.bar", null, true],
  ["foo.secret", null, false], // deny wins over allow
  ["foo.>", null, true], // allow `foo.*` matches the token `>` literally
  ["foo.*", null, true],
  ["bar.>", null, true],
  ["bar.x.>", null, false], // deny `bar.x.*` matches the token `>`
  ["bar.*", null, true],
  ["q.a", null, false], // only queue subscriptions are allowed on q.a
  ["q.a", "grp", true],
  ["q.a", "other", false],
  ["q.b", "v1.x", true], // wildcard queue names in allow entries
  ["q.b", "v1.prod", false], // deny `> *.prod` on any subject
  ["q.b", null, false],
  ["foo.bar", "x.prod", false],
  [">", null, false],
  ["foo.bar.baz", null, false],
  ["bar", null, false],
];

for (const [subject, queue, want] of SUB_TABLE) {
  Deno.test(`permissions: SUB ${subject}${queue ? ` ${queue}` : ""} is ${want ? "allowed" : "refused"}`, () => {
    assert.equal(PROBED.canSubscribe(subject, queue), want);
  });
}

Deno.test("permissions: publish allow and deny lists (deny wins)", () => {
  const table: [string, boolean][] = [
    ["pub.a", true],
    ["pub.a.b", true],
    ["pub.no", false],
    ["pub", false],
    ["other", false],
  ];
  for (const [subject, want] of table) assert.equal(PROBED.canPublish(subject), want, subject);
  assert.equal(PROBED.publishUnrestricted, false);
});

Deno.test("permissions: no lists means everything is allowed", () => {
  const p = perms({});
  assert.ok(p.publishUnrestricted);
  assert.ok(p.canPublish("any.thing"));
  assert.ok(p.canSubscribe(">", null));
  assert.ok(p.canSubscribe("a", "q"));
  assert.equal(p.filtersDelivery, false);
  assert.ok(p.canDeliver("a"));
});

Deno.test("permissions: deny-only lists allow everything else", () => {
  const p = perms({
    publish: { allow: null, deny: ["secret.>"] },
    subscribe: { allow: null, deny: ["foo.*"] },
  });
  assert.ok(p.canPublish("public"));
  assert.equal(p.canPublish("secret.x"), false);
  assert.ok(p.canSubscribe("foo", null));
  assert.equal(p.canSubscribe("foo.bar", null), false);
  assert.equal(p.canSubscribe("foo.>", null), false, "`foo.*` matches the token `>`");
  assert.ok(p.canSubscribe("*.bar", null));
  assert.ok(p.canSubscribe(">", null));
});

Deno.test("permissions: empty lists restrict nothing, except an empty publish allow", () => {
  // `publish: []` in a config reads as no list at all; only allow_responses yields allow: [].
  const open = perms({ subscribe: { allow: [], deny: [] }, publish: { allow: null, deny: [] } });
  assert.ok(open.canSubscribe("x", null));
  assert.ok(open.canPublish("x"));
  const closed = perms({ publish: { allow: [], deny: null } });
  assert.equal(closed.canPublish("x"), false);
  assert.equal(closed.publishUnrestricted, false);
});

Deno.test("permissions: `subj queue` allow entries only constrain queue subscriptions", () => {
  // From the docs: ["foo", "foo v1"] -> plain foo, but queue subscriptions only in v1.
  const p = perms({ subscribe: { allow: ["foo", "foo v1", "bar v1.>", "baz *.dev"], deny: null } });
  assert.ok(p.canSubscribe("foo", null));
  assert.ok(p.canSubscribe("foo", "v1"));
  assert.equal(p.canSubscribe("foo", "v2"), false);
  assert.equal(p.canSubscribe("bar", null), false);
  assert.ok(p.canSubscribe("bar", "v1.a.b"));
  assert.equal(p.canSubscribe("bar", "v1"), false, "`v1.>` needs a token after v1");
  assert.ok(p.canSubscribe("baz", "x.dev"));
  assert.equal(p.canSubscribe("baz", "x.prod"), false);
  // An allow entry without queues allows any queue group.
  const q = perms({ subscribe: { allow: ["foo.*"], deny: null } });
  assert.ok(q.canSubscribe("foo.bar", "q"));
});

Deno.test("permissions: a queue deny entry leaves plain subscriptions alone", () => {
  const p = perms({ subscribe: { allow: null, deny: ["foo q"] } });
  assert.ok(p.canSubscribe("foo", null));
  assert.equal(p.canSubscribe("foo", "q"), false);
  assert.ok(p.canSubscribe("foo", "r"));
  assert.equal(p.filtersDelivery, false, "queue entries do not filter deliveries");
});

Deno.test("permissions: a plain deny is not overridden by a queue deny (differs from 2.9)", () => {
  // nats-server 2.9.10 lets `SUB foo r` through here; deny has priority in Skiff.
  const p = perms({ subscribe: { allow: null, deny: ["foo", "foo q"] } });
  assert.equal(p.canSubscribe("foo", null), false);
  assert.equal(p.canSubscribe("foo", "q"), false);
  assert.equal(p.canSubscribe("foo", "r"), false);
});

Deno.test("permissions: deliveries on denied subjects are filtered", () => {
  assert.ok(PROBED.filtersDelivery);
  const table: [string, boolean][] = [
    ["foo.ok", true],
    ["foo.secret", false],
    ["bar.x.y", false],
    ["bar.y.z", true],
    ["q.b", true],
  ];
  for (const [subject, want] of table) assert.equal(PROBED.canDeliver(subject), want, subject);
  // nats-server 2.9.10 would deliver foo.bar to a `*.bar` subscription here (its filter only
  // turns on for wildcard subscriptions that contain a deny entry); Skiff does not.
  const p = perms({ subscribe: { allow: null, deny: ["foo.*"] } });
  assert.ok(p.canSubscribe("*.bar", null));
  assert.equal(p.canDeliver("foo.bar"), false);
  assert.ok(p.canDeliver("x.bar"));
});

Deno.test("permissions: entries that can never match are ignored", () => {
  // A queue entry in a publish list, or a malformed one, matches no publish subject.
  const p = perms({ publish: { allow: ["foo bar", "ok"], deny: ["a b c"] } });
  assert.ok(p.canPublish("ok"));
  assert.equal(p.canPublish("foo"), false);
  assert.equal(p.canPublish("foo bar"), false);
  assert.ok(perms({ subscribe: { allow: ["x y z", "ok"], deny: null } }).canSubscribe("ok", null));
});

Deno.test("permissions: publish decisions are cached within a bound", () => {
  const p = perms({ publish: { allow: ["a.*"], deny: ["a.no"] } });
  for (let i = 0; i < PERMISSION_CACHE_SIZE * 3; i++) {
    assert.equal(p.canPublish(`a.${i}`), true);
    assert.equal(p.canPublish(`b.${i}`), false);
  }
  // Repeated lookups after eviction still decide the same way.
  assert.equal(p.canPublish("a.no"), false);
  assert.equal(p.canPublish("a.no"), false);
  assert.equal(p.canPublish("a.1"), true);
  for (let i = 0; i < PERMISSION_CACHE_SIZE * 3; i++) {
    assert.equal(p.canDeliver(`x.${i}`), true);
  }
});

Deno.test("permissions: allowResponses is exposed as configured", () => {
  const p = perms({
    publish: { allow: [], deny: null },
    responses: { max: 5, expiresMs: 60_000 },
  });
  assert.deepEqual(p.allowResponses, { max: 5, expiresMs: 60_000 });
  assert.equal(perms({}).allowResponses, null);
});
