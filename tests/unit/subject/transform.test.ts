import assert from "node:assert/strict";
import {
  MappingRule,
  SubjectMapper,
  SubjectTransform,
  TransformError,
} from "../../../src/subject/transform.ts";

const CASES: [string, string, string, string][] = [
  ["foo", "bar", "foo", "bar"],
  ["bar.*.*", "baz.$2.$1", "bar.a.b", "baz.b.a"],
  ["bar.*.*", "baz.{{wildcard(2)}}.{{wildcard(1)}}", "bar.a.b", "baz.b.a"],
  ["bar.*.*", "baz.{{ Wildcard( 2 ) }}", "bar.a.b", "baz.b"],
  ["orders.>", "orders.central.>", "orders.a.b.c", "orders.central.a.b.c"],
  [">", "baz.>", "bar.a.b", "baz.bar.a.b"],
  ["*", "{{split(1,-)}}", "foo-bar", "foo.bar"],
  ["*", "{{split(1,--)}}", "foo--bar", "foo.bar"],
  ["*", "{{splitfromleft(1,4)}}", "1234567", "1234.567"],
  ["*", "{{SplitFromRight(1,4)}}", "1234567", "123.4567"],
  ["*", "{{slicefromleft(1,2)}}", "1234567", "12.34.56.7"],
  ["*", "{{slicefromright(1,2)}}", "1234567", "1.23.45.67"],
  ["a.*.>", "b.{{wildcard(1)}}.>", "a.x.y.z", "b.x.y.z"],
];

for (const [src, dest, subject, want] of CASES) {
  Deno.test(`transform: "${src}" -> "${dest}" maps ${subject} to ${want}`, () => {
    const t = new SubjectTransform(src, dest);
    assert.ok(t.matches(subject));
    assert.equal(t.apply(subject), want);
  });
}

Deno.test("transform: partition() reproduces the NATS documentation's tables", () => {
  const t = new SubjectTransform("neworders.*", "neworders.{{wildcard(1)}}.{{partition(3,1)}}");
  const want = [0, 2, 1, 2, 1, 0];
  want.forEach((p, i) => {
    assert.equal(t.apply(`neworders.customerid${i + 1}`), `neworders.customerid${i + 1}.${p}`);
  });
  const two = new SubjectTransform(
    "foo.*.*",
    "foo.{{wildcard(1)}}.{{wildcard(2)}}.{{partition(10,1,2)}}",
  );
  assert.equal(two.apply("foo.1.a"), "foo.1.a.1");
  assert.equal(two.apply("foo.1.b"), "foo.1.b.0");
  assert.equal(two.apply("foo.2.b"), "foo.2.b.9");
  assert.equal(two.apply("foo.2.a"), "foo.2.a.2");
});

for (
  const [src, dest] of [
    ["foo.*", "bar.{{wildcard(2)}}"],
    ["foo.*", "bar.$0"],
    ["foo.>", "bar"],
    ["foo", "bar.>"],
    ["foo.*", "bar.{{nope(1)}}"],
    ["foo.*", "bar.{{partition(0,1)}}"],
    ["foo.*", "bar.{{split(1)}}"],
    ["foo.*", "bar.*"],
  ]
) {
  Deno.test(`transform: "${src}" -> "${dest}" is rejected`, () => {
    assert.throws(() => new SubjectTransform(src, dest), TransformError);
  });
}

Deno.test("mapping: weights split traffic and the unweighted rest keeps its subject", () => {
  const rule = new MappingRule("svc", [
    { destination: "svc.v1", weight: 80 },
    { destination: "svc.v2", weight: 15 },
  ]);
  assert.equal(rule.deterministic, false);
  assert.equal(rule.map("svc", () => 0.5), "svc.v1");
  assert.equal(rule.map("svc", () => 0.9), "svc.v2");
  assert.equal(rule.map("svc", () => 0.97), "svc");
});

Deno.test("mapping: a destination equal to its source drops the rest (artificial loss)", () => {
  const rule = new MappingRule("loss.>", [{ destination: "loss.>", weight: 90 }]);
  assert.equal(rule.map("loss.a", () => 0.5), "loss.a");
  assert.equal(rule.map("loss.a", () => 0.95), null);
  const dropping = new MappingRule("svc", [
    { destination: "svc.v1", weight: 80 },
    { destination: "svc", weight: 15 },
  ]);
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const counts = new Map<string | null, number>();
  for (let i = 0; i < 10_000; i++) {
    const s = dropping.map("svc", rnd);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  assert.ok(Math.abs(counts.get("svc.v1")! - 8000) < 300);
  assert.ok(Math.abs(counts.get("svc")! - 1500) < 200);
  assert.ok(Math.abs(counts.get(null)! - 500) < 150);
});

Deno.test("mapping: weights over 100% are rejected", () => {
  assert.throws(
    () =>
      new MappingRule("a", [{ destination: "b", weight: 60 }, { destination: "c", weight: 50 }]),
    TransformError,
  );
});

Deno.test("mapper: the first matching rule wins and other subjects are untouched", () => {
  const m = new SubjectMapper([
    new MappingRule("orders.flush", [{ destination: "orders.central.flush", weight: 100 }]),
    new MappingRule("orders.*", [{ destination: "orders.central.{{wildcard(1)}}", weight: 100 }]),
  ]);
  assert.equal(m.ruleFor("orders.flush")?.map("orders.flush"), "orders.central.flush");
  assert.equal(m.ruleFor("orders.x")?.map("orders.x"), "orders.central.x");
  assert.equal(m.ruleFor("other"), null);
});
