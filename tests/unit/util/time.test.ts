import assert from "node:assert/strict";
import { parseRfc3339Ns, rfc3339Nano, ZERO_TIME } from "../../../src/util/time.ts";
import { decodeBase64, encodeBase64 } from "../../../src/util/base64.ts";

Deno.test("time: RFC 3339 with nanoseconds round-trips", () => {
  // Wall-clock nanoseconds exceed 2^53: a double holds them to 256 ns, so use a multiple.
  const ns = Date.UTC(2026, 10, 23, 1, 2, 3, 456) * 1_000_000 + 512;
  const text = rfc3339Nano(ns);
  assert.equal(text, "2026-11-23T01:02:03.456000512Z");
  assert.equal(parseRfc3339Ns(text), ns);
  assert.equal(rfc3339Nano(Date.UTC(2026, 0, 1) * 1_000_000), "2026-01-01T00:00:00Z");
  assert.equal(rfc3339Nano(0), ZERO_TIME);
  assert.ok(Number.isNaN(parseRfc3339Ns("yesterday")));
});

Deno.test("base64: standard alphabet with padding, binary safe", () => {
  const bytes = Uint8Array.from([0, 255, 1, 2, 3]);
  assert.equal(encodeBase64(bytes), "AP8BAgM=");
  assert.deepEqual(decodeBase64("AP8BAgM="), bytes);
});
