/** CRC32C and the record framing (src/jetstream/store/crc32c.ts, record.ts). */

import assert from "node:assert/strict";
import { crc32c } from "../../../../src/jetstream/store/crc32c.ts";
import {
  decodeMsgBody,
  encodeRecord,
  encodeSeqRuns,
  forEachSeqInRuns,
  getI64,
  putI64,
  readHeader,
  readVerifiedRecord,
  RECORD_OVERHEAD,
  RecordKind,
  repairHeader,
  utf8Length,
  verifyRecord,
} from "../../../../src/jetstream/store/record.ts";
import { enc, prng } from "./_harness.ts";

Deno.test("crc32c: matches the standard check values", () => {
  assert.equal(crc32c(enc.encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
});

Deno.test("crc32c: any split of the input gives the same value through the seed", () => {
  const rand = prng(7);
  const data = new Uint8Array(1000).map(() => Math.floor(rand() * 256));
  const whole = crc32c(data);
  for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    assert.equal(crc32c(data, cut, data.length, crc32c(data, 0, cut)), whole, `cut at ${cut}`);
  }
});

function msgRecord(seq: number, subject = "orders.eu", ttl = 0) {
  return encodeRecord({
    kind: RecordKind.Msg,
    seq,
    ts: 1_700_000_000_123_456_789,
    ttl,
    subject,
    subjectLength: utf8Length(subject),
    headers: enc.encode("NATS/1.0\r\n\r\n"),
    payload: enc.encode("hello"),
  });
}

Deno.test("record: a message record round-trips every field", () => {
  const b = msgRecord(2 ** 40 + 3, "prix.é.ü", -1);
  const h = readHeader(b, 0)!;
  assert.equal(h.kind, RecordKind.Msg);
  assert.equal(h.seq, 2 ** 40 + 3);
  assert.equal(h.ts, 1_700_000_000_123_456_789);
  assert.equal(h.ttl, -1);
  assert.equal(h.length, b.length);
  assert.equal(b.length, RECORD_OVERHEAD + utf8Length("prix.é.ü") + 12 + 5);
  assert.ok(verifyRecord(b, 0, h));
  const m = decodeMsgBody(b, 0, h);
  assert.equal(m.subject, "prix.é.ü");
  assert.deepEqual(m.headers, enc.encode("NATS/1.0\r\n\r\n"));
  assert.deepEqual(m.payload, enc.encode("hello"));
});

Deno.test("record: 64-bit fields hold every JS integer, negatives included", () => {
  const b = new Uint8Array(8);
  for (const v of [0, 1, -1, 2 ** 32, 2 ** 53 - 1, -(2 ** 40), 1.7e18]) {
    putI64(b, 0, v);
    assert.equal(getI64(b, 0), v);
  }
});

Deno.test("record: every single-bit flip is detected, and header flips are corrected", () => {
  const clean = msgRecord(42);
  for (let bit = 0; bit < clean.length * 8; bit++) {
    const b = clean.slice();
    b[bit >> 3] ^= 1 << (bit & 7);
    const h = readHeader(b, 0);
    assert.ok(h === null || !verifyRecord(b, 0, h), `flip ${bit} went unnoticed`);
    const fixed = readVerifiedRecord(b, 0);
    if (bit < 44 * 8) {
      assert.ok(fixed !== null, `header flip ${bit} not corrected`);
      assert.deepEqual(b, clean);
    } else {
      assert.equal(fixed, null);
    }
  }
});

Deno.test("record: two flipped header bits are not 'corrected' into something else", () => {
  const rand = prng(3);
  for (let i = 0; i < 200; i++) {
    const b = msgRecord(7);
    const x = Math.floor(rand() * 44 * 8);
    let y = Math.floor(rand() * 44 * 8);
    if (y === x) y = (y + 1) % (44 * 8);
    b[x >> 3] ^= 1 << (x & 7);
    b[y >> 3] ^= 1 << (y & 7);
    const h = repairHeader(b, 0);
    assert.ok(h === null || !verifyRecord(b, 0, h));
  }
});

Deno.test("record: deletion runs encode sorted sequences compactly and decode back", () => {
  const seqs = [1, 2, 3, 10, 12, 13, 2 ** 45];
  const payload = encodeSeqRuns(seqs);
  assert.equal(payload.length, 4 * 12);
  const back: number[] = [];
  forEachSeqInRuns(payload, (s) => back.push(s));
  assert.deepEqual(back, seqs);
});
