import assert from "node:assert/strict";
import { ClientParser } from "../../../src/protocol/parser.ts";
import type { ClientOpHandler, MsgArgs, ParseFailure } from "../../../src/protocol/ops.ts";
import {
  ERR_MAX_CONTROL_LINE,
  ERR_MAX_PAYLOAD,
  ERR_UNKNOWN_PROTOCOL_OPERATION,
} from "../../../src/protocol/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Records every operation as a line of text, copying bytes as a real handler must. */
class Recorder implements ClientOpHandler {
  ops: string[] = [];
  failure: ParseFailure | null = null;
  onConnect(json: string) {
    this.ops.push(`CONNECT ${json}`);
  }
  onPub(a: MsgArgs) {
    const subject = dec.decode(a.buf.subarray(a.subjectStart, a.subjectEnd));
    const reply = dec.decode(a.buf.subarray(a.replyStart, a.replyEnd));
    const payload = dec.decode(a.payloadBuf.subarray(a.payloadStart, a.payloadStart + a.size));
    this.ops.push(`PUB ${subject} [${reply}] ${a.headerSize} ${a.size} ${JSON.stringify(payload)}`);
  }
  onSub(subject: string, queue: string | null, sid: string) {
    this.ops.push(`SUB ${subject} ${queue} ${sid}`);
  }
  onUnsub(sid: string, max: number) {
    this.ops.push(`UNSUB ${sid} ${max}`);
  }
  onPing() {
    this.ops.push("PING");
  }
  onPong() {
    this.ops.push("PONG");
  }
  onInfo(json: string) {
    this.ops.push(`INFO ${json}`);
  }
  onOk() {
    this.ops.push("+OK");
  }
  onErr(text: string) {
    this.ops.push(`-ERR ${text}`);
  }
  onParseError(f: ParseFailure) {
    this.failure = f;
  }
}

const LIMITS = { maxControlLine: 4096, maxPayload: 1024 * 1024 };

function parseChunks(chunks: Uint8Array[], limits = LIMITS): Recorder {
  const rec = new Recorder();
  const parser = new ClientParser(rec, { ...limits });
  // A reused read buffer, overwritten between reads, as a connection's is.
  const buf = new Uint8Array(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    buf.fill(0xaa);
    buf.set(chunk);
    parser.parse(buf, chunk.length);
  }
  return rec;
}

function parseText(text: string, limits = LIMITS): Recorder {
  return parseChunks([enc.encode(text)], limits);
}

function splitEvery(bytes: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = Math.min(bytes.length - i, Math.max(1, sizes()));
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIXED = 'CONNECT {"verbose":false,"name":"a b"}\r\n' +
  "SUB foo.* 1\r\nsub\tbar  q\t 22\r\nPUB foo.x 5\r\nhello\r\n" +
  "PUB foo.y reply.1 0\r\n\r\npUb foo.z 7\r\na\r\nb\r\nc\r\n" +
  "HPUB foo.h r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
  "UNSUB 1\r\nunsub 22 5\r\nPING\r\nPONG\r\nPING\n+OK\r\n-ERR 'x'\r\nINFO {}\r\n";

Deno.test("parser: reads every operation of a mixed stream", () => {
  const rec = parseText(MIXED);
  assert.equal(rec.failure, null);
  assert.deepEqual(rec.ops, [
    'CONNECT {"verbose":false,"name":"a b"}',
    "SUB foo.* null 1",
    "SUB bar q 22",
    'PUB foo.x [] -1 5 "hello"',
    'PUB foo.y [reply.1] -1 0 ""',
    'PUB foo.z [] -1 7 "a\\r\\nb\\r\\nc"',
    'PUB foo.h [r] 12 14 "NATS/1.0\\r\\n\\r\\nhi"',
    "UNSUB 1 -1",
    "UNSUB 22 5",
    "PING",
    "PONG",
    "PING",
    "+OK",
    "-ERR 'x'",
    "INFO {}",
  ]);
});

Deno.test("parser: one byte at a time gives the same operations", () => {
  const whole = parseText(MIXED).ops;
  const rec = parseChunks(splitEvery(enc.encode(MIXED), () => 1));
  assert.equal(rec.failure, null);
  assert.deepEqual(rec.ops, whole);
});

Deno.test("parser: random chunk sizes give the same operations (200 seeds)", () => {
  const whole = parseText(MIXED).ops;
  const bytes = enc.encode(MIXED);
  for (let seed = 1; seed <= 200; seed++) {
    const rnd = mulberry32(seed);
    const rec = parseChunks(splitEvery(bytes, () => Math.floor(rnd() * 40) + 1));
    assert.equal(rec.failure, null, `seed ${seed}`);
    assert.deepEqual(rec.ops, whole, `seed ${seed}`);
  }
});

Deno.test("parser: thousands of pipelined PUBs in one read all arrive intact and in order", () => {
  let text = "";
  for (let i = 0; i < 5000; i++) text += `PUB s.${i} ${String(i).length}\r\n${i}\r\n`;
  const rec = parseText(text);
  assert.equal(rec.failure, null);
  assert.equal(rec.ops.length, 5000);
  for (let i = 0; i < 5000; i++) {
    assert.equal(rec.ops[i], `PUB s.${i} [] -1 ${String(i).length} "${i}"`);
  }
});

Deno.test("parser: a large payload split over many reads is reassembled", () => {
  const payload = "x".repeat(100_000);
  const text = `PUB big 100000\r\n${payload}\r\nPING\r\n`;
  const rnd = mulberry32(7);
  const rec = parseChunks(splitEvery(enc.encode(text), () => Math.floor(rnd() * 5000) + 1));
  assert.equal(rec.failure, null);
  assert.equal(rec.ops.length, 2);
  assert.equal(rec.ops[0], `PUB big [] -1 100000 ${JSON.stringify(payload)}`);
  assert.equal(rec.ops[1], "PING");
});

Deno.test("parser: operation names are case-insensitive", () => {
  const rec = parseText(
    "ping\r\nPiNg\r\npong\r\nsUb a 1\r\nUnSuB 1\r\nconnect {}\r\nhpub a 0 0\r\n\r\n",
  );
  assert.equal(rec.failure, null);
  assert.deepEqual(rec.ops, [
    "PING",
    "PING",
    "PONG",
    "SUB a null 1",
    "UNSUB 1 -1",
    "CONNECT {}",
    'PUB a [] 0 0 ""',
  ]);
});

Deno.test("parser: a control line ending in a bare LF is accepted", () => {
  const rec = parseText("SUB foo 1\nPUB foo 2\nhi\r\n");
  assert.deepEqual(rec.ops, ["SUB foo null 1", 'PUB foo [] -1 2 "hi"']);
});

Deno.test("parser: UNSUB with a non-numeric max is a plain UNSUB, as in nats-server", () => {
  assert.deepEqual(parseText("UNSUB 1 x\r\n").ops, ["UNSUB 1 -1"]);
});

const FAILURES: [string, string, string | null][] = [
  ["unknown operation", "FOO\r\n", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["empty line", "\r\n", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["MSG from a client", "MSG foo 1 2\r\nhi\r\n", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["UNSUB without a sid", "UNSUB\r\n", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["payload not followed by CRLF", "PUB foo 2\r\nhiXX", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["payload followed by a bare LF", "PUB foo 2\r\nhi\nPING\r\n", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["payload longer than its size", "PUB foo 2\r\nhello\r\n", ERR_UNKNOWN_PROTOCOL_OPERATION],
  ["payload over max_payload", "PUB foo 1048577\r\n", ERR_MAX_PAYLOAD],
  ["HPUB total over max_payload", "HPUB foo 10 1048577\r\n", ERR_MAX_PAYLOAD],
  ["control line too long", `SUB ${"a".repeat(5000)} 1\r\n`, ERR_MAX_CONTROL_LINE],
  ["non-numeric size (silent close)", "PUB foo abc\r\n", null],
  ["missing size (silent close)", "PUB foo\r\n", null],
  ["too many PUB arguments (silent close)", "PUB foo bar baz 2\r\n", null],
  ["negative size (silent close)", "PUB foo -1\r\n", null],
  ["SUB with one argument (silent close)", "SUB foo\r\n", null],
  ["SUB with four arguments (silent close)", "SUB foo q 1 2\r\n", null],
  ["UNSUB with three arguments (silent close)", "UNSUB 1 2 3\r\n", null],
  ["HPUB without total (silent close)", "HPUB foo 10\r\n", null],
  ["HPUB header larger than total (silent close)", "HPUB foo 10 5\r\n", null],
];

for (const [name, input, errText] of FAILURES) {
  Deno.test(`parser: ${name} fails with ${errText === null ? "no -ERR" : `'${errText}'`}`, () => {
    const rec = parseText(input);
    assert.notEqual(rec.failure, null, "expected a parse failure");
    assert.equal(rec.failure!.errText, errText);
  });
}

Deno.test("parser: garbage is refused before its line ends", () => {
  const rec = parseText("GET / HTTP/1.1");
  assert.equal(rec.failure?.errText, ERR_UNKNOWN_PROTOCOL_OPERATION);
  const partial = parseText("PIN");
  assert.equal(partial.failure, null, "a prefix of PING is not an error yet");
});

Deno.test("parser: a long line without LF fails once it passes max_control_line", () => {
  const chunks = splitEvery(enc.encode(`SUB ${"a".repeat(6000)}`), () => 1000);
  const rec = parseChunks(chunks);
  assert.equal(rec.failure?.errText, ERR_MAX_CONTROL_LINE);
});

Deno.test("parser: after a failure, later input is ignored", () => {
  const rec = parseChunks([enc.encode("FOO\r\n"), enc.encode("PING\r\n")]);
  assert.deepEqual(rec.ops, []);
});

Deno.test("parser: exactly max_payload is accepted", () => {
  const rec = parseText(`PUB foo 10\r\n0123456789\r\n`, { maxControlLine: 4096, maxPayload: 10 });
  assert.equal(rec.failure, null);
  assert.equal(rec.ops.length, 1);
});
