import assert from "node:assert/strict";
import {
  buildHeaders,
  getHeader,
  parseHeaders,
  removeHeaders,
  setHeader,
} from "../../../src/protocol/headers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("headers: parse keeps order, repeats and case", () => {
  const h = parseHeaders(enc.encode("NATS/1.0\r\nA: 1\r\nx-Y: z\r\nA: 2\r\n\r\n"));
  assert.equal(h.status, 0);
  assert.deepEqual(h.entries, [["A", "1"], ["x-Y", "z"], ["A", "2"]]);
});

Deno.test("headers: status lines with and without a description", () => {
  assert.deepEqual(parseHeaders(enc.encode("NATS/1.0 503\r\n\r\n")).status, 503);
  const h = parseHeaders(
    enc.encode("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n"),
  );
  assert.equal(h.status, 408);
  assert.equal(h.description, "Request Timeout");
  assert.deepEqual(h.entries, [["Nats-Pending-Messages", "1"]]);
});

Deno.test("headers: getHeader finds exact names only", () => {
  const b = enc.encode("NATS/1.0\r\nNats-Msg-Id: abc\r\nNats-Expected-Stream: S\r\n\r\n");
  assert.equal(getHeader(b, "Nats-Msg-Id"), "abc");
  assert.equal(getHeader(b, "Nats-Expected-Stream"), "S");
  assert.equal(getHeader(b, "nats-msg-id"), null);
  assert.equal(getHeader(null, "X"), null);
});

Deno.test("headers: build, set and remove round-trip", () => {
  const b = buildHeaders([["A", "1"]], 404, "No Messages");
  assert.equal(dec.decode(b), "NATS/1.0 404 No Messages\r\nA: 1\r\n\r\n");
  assert.equal(dec.decode(setHeader(b, "A", "2")), "NATS/1.0 404 No Messages\r\nA: 2\r\n\r\n");
  assert.equal(dec.decode(setHeader(null, "K", "v")), "NATS/1.0\r\nK: v\r\n\r\n");
  assert.equal(removeHeaders(buildHeaders([["A", "1"]]), ["A"]), null);
});
