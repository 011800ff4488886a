/** /subsz: summed statistics, the test-subject filter, account filter and paging. */
import assert from "node:assert/strict";
import { MonitorRequestError } from "../../../src/monitor/query.ts";
import { parseSubszQuery, subsz, subszBody, sumSublistStats } from "../../../src/monitor/subsz.ts";
import { account, FakeSource, sub, sublistStats, T0 } from "./_fake_source.ts";

function source(): FakeSource {
  const src = new FakeSource();
  src.accounts = [
    account("$G", {
      subs: [
        sub(2, "foo.*", { sid: "10" }),
        sub(1, "foo.bar", { sid: "2", msgs: 4 }),
        sub(1, "baz", { sid: "1" }),
        sub(1, "foo.>", { sid: "9", queue: "workers" }),
      ],
    }),
    account("A", { subs: [sub(7, "foo.bar", { sid: "1" })] }),
  ];
  return src;
}

Deno.test("subsz: without subs only the statistics, summed over accounts", () => {
  const doc = subsz(source(), {}, T0);
  assert.equal(doc.num_subscriptions, 5);
  assert.equal(doc.subscriptions_list, undefined);
  assert.deepEqual(Object.keys(subszBody(doc)), [
    "num_subscriptions",
    "num_cache",
    "num_inserts",
    "num_removes",
    "num_matches",
    "cache_hit_rate",
    "max_fanout",
    "avg_fanout",
  ]);
});

Deno.test("subsz: subs lists every subscription with its account, in a stable order", () => {
  const doc = subsz(source(), { subs: true }, T0);
  assert.equal(doc.total, 5);
  assert.deepEqual(
    doc.subscriptions_list!.map((s) => `${s.account}/${s.cid}/${s.sid}`),
    ["$G/1/1", "$G/1/2", "$G/1/9", "$G/2/10", "A/7/1"],
  );
  assert.deepEqual(doc.subscriptions_list![2], {
    account: "$G",
    subject: "foo.>",
    qgroup: "workers",
    sid: "9",
    msgs: 0,
    cid: 1,
  });
  assert.equal(subszBody(doc), doc);
  assert.deepEqual(Object.keys(doc).slice(0, 3), ["server_id", "now", "num_subscriptions"]);
});

Deno.test("subsz: test keeps only subscriptions a publish to that subject reaches", () => {
  const doc = subsz(source(), { subs: true, test: "foo.bar" }, T0);
  assert.deepEqual(doc.subscriptions_list!.map((s) => s.subject), [
    "foo.bar",
    "foo.>",
    "foo.*",
    "foo.bar",
  ]);
  assert.equal(subsz(source(), { subs: true, test: "nothing" }, T0).total, 0);
});

Deno.test("subsz: a wildcard or malformed test subject is refused", () => {
  for (const bad of ["foo.*", "foo..bar", "foo.>"]) {
    assert.throws(() => subsz(source(), { subs: true, test: bad }), {
      name: "MonitorRequestError",
      message: `invalid test subject, must be valid publish subject: ${bad}`,
    });
  }
});

Deno.test("subsz: acc restricts statistics and listing to one account", () => {
  const doc = subsz(source(), { subs: true, account: "A" }, T0);
  assert.equal(doc.num_subscriptions, 1);
  assert.deepEqual(doc.subscriptions_list!.map((s) => s.cid), [7]);
});

Deno.test("subsz: offset and limit page the listing; total counts every match", () => {
  const doc = subsz(source(), { subs: true, offset: 1, limit: 2 }, T0);
  assert.deepEqual([doc.total, doc.offset, doc.limit], [5, 1, 2]);
  assert.deepEqual(doc.subscriptions_list!.map((s) => s.sid), ["2", "9"]);
  const past = subsz(source(), { subs: true, offset: 99 }, T0);
  assert.deepEqual(past.subscriptions_list, []);
  assert.equal(subszBody(past).num_subscriptions, 5);
  assert.equal("subscriptions_list" in subszBody(past), false);
  assert.equal(subsz(source(), { limit: 0 }, T0).limit, 1024);
});

Deno.test("sumSublistStats() weights hit rate and average fan-out", () => {
  const sum = sumSublistStats([
    sublistStats({ numMatches: 100, cacheHitRate: 0.9, numCache: 10, avgFanout: 2, maxFanout: 3 }),
    sublistStats({ numMatches: 300, cacheHitRate: 0.5, numCache: 30, avgFanout: 6, maxFanout: 9 }),
  ]);
  assert.equal(sum.numMatches, 400);
  assert.equal(sum.cacheHitRate, (90 + 150) / 400);
  assert.equal(sum.avgFanout, (20 + 180) / 40);
  assert.equal(sum.maxFanout, 9);
  assert.deepEqual(sumSublistStats([]), sublistStats());
});

Deno.test("parseSubszQuery() reads subs, offset, limit, test and acc", () => {
  assert.deepEqual(
    parseSubszQuery(new URLSearchParams("subs=1&offset=2&limit=3&test=a.b&acc=A")),
    { subs: true, offset: 2, limit: 3, test: "a.b", account: "A" },
  );
  assert.throws(() => parseSubszQuery(new URLSearchParams("subs=detail")), MonitorRequestError);
});
