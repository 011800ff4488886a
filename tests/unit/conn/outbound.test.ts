import assert from "node:assert/strict";
import { Outbound } from "../../../src/conn/outbound.ts";
import { FakeConn } from "../_fakes/fake_conn.ts";

const enc = new TextEncoder();

Deno.test("Outbound: bytes queued while a write is in flight go out together in one write", async () => {
  const conn = new FakeConn();
  conn.holdWrites = true;
  let drained = 0;
  const out = new Outbound(conn, { onWriteError() {}, onDrained: () => drained++ });
  out.append(enc.encode("one "));
  out.flush();
  assert.equal(out.writing, true);
  for (const w of ["two ", "three ", "four"]) {
    out.append(enc.encode(w));
    out.flush(); // a write is in flight: nothing new goes out yet
  }
  assert.equal(conn.written.length, 1);
  assert.equal(out.pending, 4 + 14);
  conn.holdWrites = false;
  conn.release();
  await out.drain(1000);
  assert.deepEqual(conn.written.map((b) => new TextDecoder().decode(b)), [
    "one ",
    "two three four",
  ]);
  assert.equal(out.pending, 0);
  assert.equal(drained, 1);
});

Deno.test("Outbound: the buffer being written is never modified until its write settles", async () => {
  const conn = new FakeConn();
  conn.holdWrites = true;
  const out = new Outbound(conn, { onWriteError() {}, onDrained() {} });
  out.append(enc.encode("A".repeat(1000)));
  out.flush();
  const inFlight = conn.written[0];
  out.append(enc.encode("B".repeat(5000)));
  assert.equal(new TextDecoder().decode(inFlight), "A".repeat(1000));
  conn.holdWrites = false;
  conn.release();
  await out.drain(1000);
  assert.equal(conn.text(), "A".repeat(1000) + "B".repeat(5000));
});

Deno.test("Outbound: a failing write is reported once", async () => {
  let errors = 0;
  const conn = new FakeConn();
  conn.write = () => Promise.reject(new Error("broken pipe"));
  const out = new Outbound(conn, { onWriteError: () => errors++, onDrained() {} });
  out.append(enc.encode("x"));
  out.flush();
  await out.drain(100);
  assert.equal(errors, 1);
});

Deno.test("Outbound: drain() resolves after its timeout when the peer never reads", async () => {
  const conn = new FakeConn();
  conn.holdWrites = true;
  const out = new Outbound(conn, { onWriteError() {}, onDrained() {} });
  out.append(enc.encode("stuck"));
  const started = performance.now();
  await out.drain(50);
  assert.ok(performance.now() - started >= 45);
  assert.equal(out.pending, 5);
  out.close();
  conn.release();
});
