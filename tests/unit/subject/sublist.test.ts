/** Sublist behaviour: matching, queue groups, cache coherence, genId, pruning and stats. */

import assert from "node:assert/strict";
import { EMPTY_RESULT, type MatchResult, Sublist } from "../../../src/subject/mod.ts";

class Sub {
  constructor(readonly subject: string, readonly queue: string | null = null, readonly id = "") {}
}

function sub(subject: string, queue: string | null = null): Sub {
  return new Sub(subject, queue, queue === null ? subject : `${subject}|${queue}`);
}

function plainIds(r: MatchResult<Sub>): string[] {
  return r.plain.map((s) => s.id).sort();
}

/** Queue groups as sorted "name:id,id" strings, so tests compare group membership exactly. */
function queueGroups(r: MatchResult<Sub>): string[] {
  return r.queues.map((g) => `${g[0].queue}:${g.map((s) => s.id).sort().join(",")}`).sort();
}

for (const cache of [true, false]) {
  const mode = cache ? "cache on" : "cache off";
  const make = () => new Sublist<Sub>({ cache });

  Deno.test(`sublist (${mode}): literal subscription matches only its exact subject`, () => {
    const sl = make();
    const s = sub("foo.bar");
    sl.insert(s);
    assert.deepEqual(sl.match("foo.bar").plain, [s]);
    assert.equal(sl.match("foo"), EMPTY_RESULT);
    assert.equal(sl.match("foo.bar.baz"), EMPTY_RESULT);
    assert.equal(sl.match("foo.baz"), EMPTY_RESULT);
    assert.equal(sl.count, 1);
  });

  Deno.test(`sublist (${mode}): '*' matches exactly one token`, () => {
    const sl = make();
    sl.insert(sub("foo.*"));
    sl.insert(sub("*.bar"));
    sl.insert(sub("*"));
    assert.deepEqual(plainIds(sl.match("foo.bar")), ["*.bar", "foo.*"]);
    assert.deepEqual(plainIds(sl.match("foo.baz")), ["foo.*"]);
    assert.deepEqual(plainIds(sl.match("foo")), ["*"]);
    assert.equal(sl.match("foo.bar.baz"), EMPTY_RESULT);
  });

  Deno.test(`sublist (${mode}): '>' matches one or more trailing tokens`, () => {
    const sl = make();
    sl.insert(sub("foo.>"));
    sl.insert(sub(">"));
    assert.deepEqual(plainIds(sl.match("foo")), [">"]);
    assert.deepEqual(plainIds(sl.match("foo.bar")), [">", "foo.>"]);
    assert.deepEqual(plainIds(sl.match("foo.bar.baz.qux")), [">", "foo.>"]);
    assert.deepEqual(plainIds(sl.match("bar.baz")), [">"]);
  });

  Deno.test(`sublist (${mode}): 'foo*bar' is a literal token, not a wildcard`, () => {
    const sl = make();
    const s = sub("a.foo*bar");
    sl.insert(s);
    assert.deepEqual(sl.match("a.foo*bar").plain, [s]);
    assert.equal(sl.match("a.fooXbar"), EMPTY_RESULT);
  });

  Deno.test(`sublist (${mode}): overlapping subscriptions appear once per entry`, () => {
    const sl = make();
    // Same connection, two subscriptions that both match: nats-server delivers to each.
    const a = sub("foo.*");
    const b = sub("foo.bar");
    const c = sub("foo.>");
    const d = new Sub("foo.bar", null, "foo.bar#2");
    for (const s of [a, b, c, d]) sl.insert(s);
    assert.deepEqual(plainIds(sl.match("foo.bar")), ["foo.*", "foo.>", "foo.bar", "foo.bar#2"]);
    assert.equal(sl.count, 4);
  });

  Deno.test(`sublist (${mode}): inserting the same entry object twice keeps one copy`, () => {
    const sl = make();
    const s = sub("foo");
    const q = sub("foo", "q");
    sl.insert(s);
    sl.insert(q);
    const gen = sl.genId;
    sl.insert(s);
    sl.insert(q);
    assert.equal(sl.count, 2);
    assert.equal(sl.genId, gen);
    assert.deepEqual(sl.match("foo").plain, [s]);
    assert.deepEqual(sl.match("foo").queues, [[q]]);
  });

  Deno.test(`sublist (${mode}): queue groups merge members of the same name across nodes`, () => {
    const sl = make();
    const q1 = new Sub("foo.*", "q", "q1");
    const q2 = new Sub("foo.bar", "q", "q2");
    const q3 = new Sub("foo.>", "q", "q3");
    const r1 = new Sub("foo.bar", "r", "r1");
    const p = new Sub("foo.bar", null, "p");
    for (const s of [q1, q2, q3, r1, p]) sl.insert(s);
    const r = sl.match("foo.bar");
    assert.deepEqual(plainIds(r), ["p"]);
    assert.deepEqual(queueGroups(r), ["q:q1,q2,q3", "r:r1"]);
    assert.deepEqual(queueGroups(sl.match("foo.baz")), ["q:q1,q3"]);
    assert.deepEqual(queueGroups(sl.match("foo.baz.x")), ["q:q3"]);
    assert.deepEqual(sl.match("foo.baz").plain, []);
  });

  Deno.test(`sublist (${mode}): an empty queue name is a plain subscription`, () => {
    const sl = make();
    const s = new Sub("foo", "", "s");
    sl.insert(s);
    assert.deepEqual(sl.match("foo").plain, [s]);
    assert.equal(sl.match("foo").queues.length, 0);
    assert.equal(sl.remove(s), true);
  });

  Deno.test(`sublist (${mode}): remove returns false for entries that are not present`, () => {
    const sl = make();
    const s = sub("foo.bar");
    const q = sub("foo.bar", "q");
    sl.insert(s);
    sl.insert(q);
    const gen = sl.genId;
    assert.equal(sl.remove(sub("foo.bar")), false, "same subject, different object");
    assert.equal(sl.remove(new Sub("foo.bar", "other", "x")), false, "wrong queue");
    assert.equal(sl.remove(sub("foo.baz")), false, "no such node");
    assert.equal(sl.remove(sub("foo")), false, "interior node without entries");
    assert.equal(sl.genId, gen);
    assert.equal(sl.remove(s), true);
    assert.equal(sl.remove(s), false, "already removed");
    assert.equal(sl.remove(q), true);
    assert.equal(sl.count, 0);
    assert.equal(sl.match("foo.bar"), EMPTY_RESULT);
  });

  Deno.test(`sublist (${mode}): a match sees inserts and removes made after earlier matches`, () => {
    const sl = make();
    const lit = sub("foo.bar");
    sl.insert(lit);
    assert.deepEqual(plainIds(sl.match("foo.bar")), ["foo.bar"]);
    assert.equal(sl.match("foo.baz"), EMPTY_RESULT);

    const wc = sub("foo.*");
    sl.insert(wc);
    assert.deepEqual(plainIds(sl.match("foo.bar")), ["foo.*", "foo.bar"]);
    assert.deepEqual(plainIds(sl.match("foo.baz")), ["foo.*"]);

    const fwc = sub(">");
    sl.insert(fwc);
    assert.deepEqual(plainIds(sl.match("foo.baz")), [">", "foo.*"]);

    const q = sub("foo.baz", "q");
    sl.insert(q);
    assert.deepEqual(queueGroups(sl.match("foo.baz")), ["q:foo.baz|q"]);

    sl.remove(wc);
    assert.deepEqual(plainIds(sl.match("foo.bar")), [">", "foo.bar"]);
    assert.deepEqual(plainIds(sl.match("foo.baz")), [">"]);
    sl.remove(fwc);
    sl.remove(q);
    assert.equal(sl.match("foo.baz"), EMPTY_RESULT);
    sl.remove(lit);
    assert.equal(sl.match("foo.bar"), EMPTY_RESULT);
  });

  Deno.test(`sublist (${mode}): results already returned are not changed by later inserts`, () => {
    const sl = make();
    const a = sub("foo");
    sl.insert(a);
    sl.insert(sub("foo", "q"));
    const before = sl.match("foo");
    sl.insert(new Sub("foo", null, "b"));
    sl.insert(new Sub("foo", "q", "q2"));
    sl.insert(sub("*"));
    sl.remove(a);
    assert.deepEqual(plainIds(before), ["foo"]);
    assert.deepEqual(queueGroups(before), ["q:foo|q"]);
    assert.deepEqual(plainIds(sl.match("foo")), ["*", "b"]);
    assert.deepEqual(queueGroups(sl.match("foo")), ["q:foo|q,q2"]);
  });

  Deno.test(`sublist (${mode}): genId changes on every successful insert and remove`, () => {
    const sl = make();
    const seen = new Set([sl.genId]);
    const subs = [sub("a"), sub("a.*"), sub("a", "q"), sub(">")];
    for (const s of subs) {
      sl.insert(s);
      assert.ok(!seen.has(sl.genId));
      seen.add(sl.genId);
    }
    sl.match("a");
    assert.ok(seen.has(sl.genId), "match does not change genId");
    for (const s of subs) {
      assert.equal(sl.remove(s), true);
      assert.ok(!seen.has(sl.genId));
      seen.add(sl.genId);
    }
  });

  Deno.test(`sublist (${mode}): removing every entry prunes all trie nodes`, () => {
    const sl = make();
    const subs: Sub[] = [];
    for (let i = 0; i < 500; i++) {
      subs.push(sub(`svc.${i % 7}.${i}`), sub(`svc.*.${i}`, "q"), sub(`evt.${i}.>`));
    }
    subs.push(sub(">"), sub("*"), sub("svc.>"));
    for (const s of subs) sl.insert(s);
    assert.equal(sl.count, subs.length);
    assert.ok(sl.nodeCount > 1000);
    sl.match("svc.3.3");
    // Remove half first: shared prefixes must survive while something still uses them.
    for (const s of subs.filter((_, i) => i % 2 === 0)) assert.equal(sl.remove(s), true);
    for (const s of subs.filter((_, i) => i % 2 === 1)) {
      const r = sl.match(s.subject.replaceAll("*", "x").replace(">", "y"));
      assert.ok(r.plain.includes(s) || r.queues.some((g) => g.includes(s)), s.id);
    }
    for (const s of subs.filter((_, i) => i % 2 === 1)) assert.equal(sl.remove(s), true);
    assert.equal(sl.count, 0);
    assert.equal(sl.nodeCount, 0);
    assert.deepEqual(sl.entries(), []);
  });

  Deno.test(`sublist (${mode}): removing a leaf keeps nodes other subscriptions still use`, () => {
    const sl = make();
    const deep = sub("a.b.c");
    const mid = sub("a.b");
    sl.insert(deep);
    sl.insert(mid);
    assert.equal(sl.nodeCount, 3);
    sl.remove(deep);
    assert.equal(sl.nodeCount, 2);
    assert.deepEqual(sl.match("a.b").plain, [mid]);
    sl.remove(mid);
    assert.equal(sl.nodeCount, 0);
  });

  Deno.test(`sublist (${mode}): 100k subscribe/unsubscribe churn leaves nothing behind`, () => {
    const sl = make();
    const live: Sub[] = [];
    for (let i = 0; i < 100_000; i++) {
      const s = sub(i % 3 === 0 ? `_INBOX.${i}.*` : `req.${i % 100}.${i}`);
      sl.insert(s);
      live.push(s);
      sl.match(`req.${i % 100}.${i}`);
      if (live.length > 50) assert.equal(sl.remove(live.shift()!), true);
    }
    for (const s of live) sl.remove(s);
    assert.equal(sl.count, 0);
    assert.equal(sl.nodeCount, 0);
    assert.ok(sl.stats().numCache <= 1024);
  });

  Deno.test(`sublist (${mode}): entries() returns every entry once`, () => {
    const sl = make();
    const subs = [sub("a"), sub("a.b"), sub("a.*"), sub("a.>"), sub("a", "q"), sub(">", "q")];
    for (const s of subs) sl.insert(s);
    assert.deepEqual(sl.entries().map((s) => s.id).sort(), subs.map((s) => s.id).sort());
  });

  Deno.test(`sublist (${mode}): hasInterest follows plain and queue entries`, () => {
    const sl = make();
    assert.equal(sl.hasInterest("foo.bar"), false);
    const q = sub("foo.*", "q");
    sl.insert(q);
    assert.equal(sl.hasInterest("foo.bar"), true);
    assert.equal(sl.hasInterest("foo"), false);
    sl.match("foo.bar");
    sl.remove(q);
    assert.equal(sl.hasInterest("foo.bar"), false);
    const f = sub("foo.>");
    sl.insert(f);
    assert.equal(sl.hasInterest("foo.bar.baz"), true);
    assert.equal(sl.hasInterest("foo"), false);
  });
}

Deno.test("sublist: stats count inserts, removes, matches and cache hits", () => {
  const sl = new Sublist<Sub>();
  const subs = [sub("foo"), sub("foo.*"), sub("foo.bar"), sub("foo.bar", "q"), sub("foo.bar", "r")];
  for (const s of subs) sl.insert(s);
  sl.remove(subs[0]);
  sl.match("foo.bar"); // miss: 2 plain + 2 groups
  sl.match("foo.bar"); // hit
  sl.match("foo.baz"); // miss: 1 plain
  sl.match("nothing"); // miss: empty
  const st = sl.stats();
  assert.equal(st.numSubscriptions, 4);
  assert.equal(st.numInserts, 5);
  assert.equal(st.numRemoves, 1);
  assert.equal(st.numMatches, 4);
  assert.equal(st.numCache, 3);
  assert.equal(st.cacheHitRate, 0.25);
  assert.equal(st.maxFanout, 4);
  assert.equal(st.avgFanout, 5 / 3);
});

Deno.test("sublist: a disabled cache reports no cached subjects and no hits", () => {
  const sl = new Sublist<Sub>({ cache: false });
  sl.insert(sub("foo"));
  sl.match("foo");
  sl.match("foo");
  const st = sl.stats();
  assert.equal(st.numCache, 0);
  assert.equal(st.cacheHitRate, 0);
  assert.equal(st.numMatches, 2);
});

Deno.test("sublist: the cache stays bounded by evicting its oldest entries", () => {
  const sl = new Sublist<Sub>({ cacheSize: 100 });
  sl.insert(sub(">"));
  for (let i = 0; i < 1000; i++) {
    sl.match(`s.${i}`);
    assert.ok(sl.stats().numCache <= 100);
  }
  // The newest subject survived eviction; an old one did not.
  const hits = () => Math.round(sl.stats().cacheHitRate * sl.stats().numMatches);
  const before = hits();
  sl.match("s.999");
  assert.equal(hits(), before + 1);
  sl.match("s.0");
  assert.equal(hits(), before + 1);
});

Deno.test("sublist: matches stay right with a cache of size 4", () => {
  const sl = new Sublist<Sub>({ cacheSize: 4 });
  const subjects = ["a.a", "a.b", "a.c", "b.a", "b.b", "c.c"];
  const wc = sub("a.*");
  sl.insert(wc);
  for (let round = 0; round < 3; round++) {
    for (const s of subjects) {
      assert.deepEqual(plainIds(sl.match(s)), s.startsWith("a.") ? ["a.*"] : []);
      assert.ok(sl.stats().numCache <= 4);
    }
  }
  sl.remove(wc);
  const b = sub("b.>");
  sl.insert(b);
  for (const s of subjects) {
    assert.deepEqual(plainIds(sl.match(s)), s.startsWith("b.") ? ["b.>"] : []);
  }
});

Deno.test("sublist: empty matches share EMPTY_RESULT", () => {
  const sl = new Sublist<Sub>();
  assert.equal(sl.match("x"), EMPTY_RESULT);
  assert.equal(new Sublist<Sub>({ cache: false }).match("x.y"), EMPTY_RESULT);
  assert.ok(Object.isFrozen(EMPTY_RESULT));
  assert.ok(Object.isFrozen(EMPTY_RESULT.plain));
});

Deno.test("sublist: removeBatch removes everything and leaves no stale cached result", () => {
  const sl = new Sublist<{ subject: string; queue: string | null }>();
  const many = Array.from({ length: 100 }, (_, i) => ({ subject: `a.${i}.*`, queue: null }));
  const keep = { subject: "a.>", queue: null };
  for (const e of many) sl.insert(e);
  sl.insert(keep);
  assert.equal(sl.match("a.5.x").plain.length, 2);
  assert.equal(sl.removeBatch(many), 100);
  assert.equal(sl.count, 1);
  assert.deepEqual(sl.match("a.5.x").plain, [keep]);
  const few = [{ subject: "b.*", queue: null }, { subject: "b.c", queue: null }];
  for (const e of few) sl.insert(e);
  assert.equal(sl.match("b.c").plain.length, 2);
  assert.equal(sl.removeBatch(few), 2);
  assert.equal(sl.match("b.c").plain.length, 0);
});
