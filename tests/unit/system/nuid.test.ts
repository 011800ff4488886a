/** Event ids: NUID-shaped and unique. */
import assert from "node:assert/strict";
import { Nuid } from "../../../src/system/nuid.ts";

Deno.test("nuid: ids are 22 base-62 characters and do not repeat", () => {
  const n = new Nuid();
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = n.next();
    assert.match(id, /^[0-9A-Za-z]{22}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
});

Deno.test("nuid: two generators use different prefixes", () => {
  assert.notEqual(new Nuid().next().slice(0, 12), new Nuid().next().slice(0, 12));
});
