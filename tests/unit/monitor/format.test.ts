/** Go-compatible value formats of the monitoring JSON. */
import assert from "node:assert/strict";
import {
  durationNanos,
  goDuration,
  rfc3339,
  rttString,
  uptimeString,
} from "../../../src/monitor/format.ts";

const T = Date.UTC(2024, 0, 2, 3, 4, 5);

Deno.test("rfc3339() writes UTC with a trimmed fraction, none on a whole second", () => {
  assert.equal(rfc3339(T), "2024-01-02T03:04:05Z");
  assert.equal(rfc3339(T + 123), "2024-01-02T03:04:05.123Z");
  assert.equal(rfc3339(T + 100), "2024-01-02T03:04:05.1Z");
  assert.equal(rfc3339(T + 0.5), "2024-01-02T03:04:05.0005Z");
  assert.equal(rfc3339(T + 999.9999), "2024-01-02T03:04:06Z");
});

Deno.test("rfc3339() output parses back to the same instant", () => {
  const ms = T + 456.789;
  assert.equal(Date.parse(rfc3339(ms)), Math.floor(ms));
});

Deno.test("uptimeString() follows nats-server's myUptime", () => {
  assert.equal(uptimeString(0), "0s");
  assert.equal(uptimeString(999), "0s");
  assert.equal(uptimeString(45_000), "45s");
  assert.equal(uptimeString(120_000), "2m0s");
  assert.equal(uptimeString(3_605_000), "1h0m5s");
  assert.equal(uptimeString((3 * 24 + 4) * 3_600_000), "3d4h0m0s");
  assert.equal(uptimeString(366 * 86_400_000 + 1000), "1y1d0h0m1s");
  assert.equal(uptimeString(-5), "0s");
});

Deno.test("goDuration() matches Go's Duration.String()", () => {
  assert.equal(goDuration(0), "0s");
  assert.equal(goDuration(850), "850ns");
  assert.equal(goDuration(745_000), "745µs");
  assert.equal(goDuration(1_500), "1.5µs");
  assert.equal(goDuration(1_500_000), "1.5ms");
  assert.equal(goDuration(2_250_000_000), "2.25s");
  assert.equal(goDuration(120_000_000_000), "2m0s");
  assert.equal(goDuration(3_723_500_000_000), "1h2m3.5s");
  assert.equal(goDuration(-1_000), "-1µs");
});

Deno.test("rttString() truncates sub-millisecond values to whole microseconds", () => {
  assert.equal(rttString(0), "0s");
  assert.equal(rttString(0.745678), "745µs");
  assert.equal(rttString(18.276756), "18.276756ms");
  assert.equal(rttString(1500), "1.5s");
});

Deno.test("durationNanos() turns milliseconds into Go's integer nanoseconds", () => {
  assert.equal(durationNanos(120_000), 120_000_000_000);
  assert.equal(durationNanos(2_000), 2_000_000_000);
});
