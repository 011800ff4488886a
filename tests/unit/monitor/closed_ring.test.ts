/** The closed-connections ring stays bounded and keeps the newest entries in order. */
import assert from "node:assert/strict";
import { ClosedRing, DEFAULT_MAX_CLOSED_CLIENTS } from "../../../src/monitor/closed_ring.ts";

Deno.test("ClosedRing lists entries oldest first before it is full", () => {
  const r = new ClosedRing<number>(4);
  r.push(1);
  r.push(2);
  assert.deepEqual(r.toArray(), [1, 2]);
  assert.equal(r.size, 2);
});

Deno.test("ClosedRing drops the oldest entries once past capacity", () => {
  const r = new ClosedRing<number>(3);
  for (let i = 1; i <= 10; i++) r.push(i);
  assert.equal(r.size, 3);
  assert.deepEqual(r.toArray(), [8, 9, 10]);
});

Deno.test("ClosedRing never holds more than nats-server's 10,000 by default", () => {
  const r = new ClosedRing<number>();
  assert.equal(r.capacity, DEFAULT_MAX_CLOSED_CLIENTS);
  for (let i = 0; i < DEFAULT_MAX_CLOSED_CLIENTS + 2500; i++) r.push(i);
  const all = r.toArray();
  assert.equal(all.length, 10_000);
  assert.equal(all[0], 2500);
  assert.equal(all.at(-1), 12_499);
});

Deno.test("ClosedRing.toArray() is a copy", () => {
  const r = new ClosedRing<number>(2);
  r.push(1);
  r.toArray().push(99);
  assert.deepEqual(r.toArray(), [1]);
});

Deno.test("ClosedRing rejects a capacity below one", () => {
  assert.throws(() => new ClosedRing(0), RangeError);
});
