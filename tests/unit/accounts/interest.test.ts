import assert from "node:assert/strict";
import { Account } from "../../../src/accounts/account.ts";
import { InternalClient } from "../../../src/conn/internal.ts";

function events(account: Account): string[] {
  const seen: string[] = [];
  account.listenForInterest((subject, queue, added) => {
    seen.push(`${added ? "+" : "-"}${subject}${queue ? ` ${queue}` : ""}`);
  });
  return seen;
}

Deno.test("account: interest listeners hear only the first and the last subscription", () => {
  const acc = new Account("A");
  const seen = events(acc);
  const c = new InternalClient(1, "t", acc);
  const s1 = c.subscribe("foo", () => {});
  const s2 = c.subscribe("foo", () => {});
  const q1 = c.subscribe("foo", () => {}, "workers");
  assert.deepEqual(seen, ["+foo", "+foo workers"]);
  c.unsubscribe(s1);
  assert.deepEqual(seen, ["+foo", "+foo workers"]);
  c.unsubscribe(s2);
  c.unsubscribe(q1);
  assert.deepEqual(seen, ["+foo", "+foo workers", "-foo", "-foo workers"]);
});

Deno.test("account: a new listener gets the interest that already exists", () => {
  const acc = new Account("A");
  const c = new InternalClient(1, "t", acc);
  c.subscribe("a.*", () => {});
  c.subscribe("a.*", () => {});
  c.subscribe("b", () => {}, "q");
  const { current, stop } = acc.listenForInterest(() => {});
  assert.deepEqual(
    current.map((i) => `${i.subject}|${i.queue}`).sort(),
    ["a.*|null", "b|q"],
  );
  stop();
});

Deno.test("account: closing a client removes its interest in one batch", () => {
  const acc = new Account("A");
  const seen = events(acc);
  const c = new InternalClient(1, "t", acc);
  for (let i = 0; i < 40; i++) c.subscribe(`s.${i}`, () => {});
  c.close();
  assert.equal(seen.filter((e) => e.startsWith("-")).length, 40);
  assert.equal(acc.sublist.count, 0);
});
