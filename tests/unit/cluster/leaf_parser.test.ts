import assert from "node:assert/strict";
import { ClientParser } from "../../../src/protocol/parser.ts";
import type { LeafOpHandler, MsgArgs, ParseFailure } from "../../../src/protocol/ops.ts";
import { ERR_UNKNOWN_PROTOCOL_OPERATION } from "../../../src/protocol/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Records every operation as text, copying bytes as a real handler must. */
class Recorder implements LeafOpHandler {
  ops: string[] = [];
  failure: ParseFailure | null = null;
  onConnect(json: string) {
    this.ops.push(`CONNECT ${json}`);
  }
  onPub(a: MsgArgs) {
    this.ops.push(`PUB ${dec.decode(a.buf.subarray(a.subjectStart, a.subjectEnd))}`);
  }
  onSub(subject: string) {
    this.ops.push(`SUB ${subject}`);
  }
  onUnsub(sid: string) {
    this.ops.push(`UNSUB ${sid}`);
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
  onOk() {}
  onErr(text: string) {
    this.ops.push(`-ERR ${text}`);
  }
  onParseError(f: ParseFailure) {
    this.failure = f;
  }
  onLeafSub(subject: string, queue: string | null, weight: number) {
    this.ops.push(`LS+ ${subject} ${queue} ${weight}`);
  }
  onLeafUnsub(subject: string, queue: string | null) {
    this.ops.push(`LS- ${subject} ${queue}`);
  }
  onLeafMsg(a: MsgArgs, queues: readonly string[]) {
    const subject = dec.decode(a.buf.subarray(a.subjectStart, a.subjectEnd));
    const reply = dec.decode(a.buf.subarray(a.replyStart, a.replyEnd));
    const payload = dec.decode(a.payloadBuf.subarray(a.payloadStart, a.payloadStart + a.size));
    this.ops.push(
      `MSG ${subject} [${reply}] [${queues.join(",")}] ${a.headerSize} ${JSON.stringify(payload)}`,
    );
  }
}

const LIMITS = { maxControlLine: 4096, maxPayload: 1024 * 1024 };

function parseLeaf(chunks: Uint8Array[]): Recorder {
  const rec = new Recorder();
  const parser = ClientParser.forLeaf(rec, { ...LIMITS });
  // A reused read buffer, overwritten between reads, as a connection's is.
  const buf = new Uint8Array(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    buf.fill(0xaa);
    buf.set(chunk);
    parser.parse(buf, chunk.length);
  }
  return rec;
}

const STREAM = "LS+ foo\r\nLS+ bar q1 3\r\nLS- foo\r\nLS- bar q1\r\n" +
  "LMSG foo 5\r\nhello\r\n" +
  "LMSG foo _INBOX.x 2\r\nhi\r\n" +
  "LMSG foo + _INBOX.y q1 q2 3\r\nabc\r\n" +
  "LMSG foo | q1 3\r\nxyz\r\n" +
  "HMSG foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
  "HMSG foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
  "HMSG foo + r g 12 14\r\nNATS/1.0\r\n\r\nhi\r\n" +
  "hmsg foo | g h 12 12\r\nNATS/1.0\r\n\r\n\r\n" +
  "ls+ lower\r\nPING\r\n";

const EXPECTED = [
  "LS+ foo null 1",
  "LS+ bar q1 3",
  "LS- foo null",
  "LS- bar q1",
  'MSG foo [] [] -1 "hello"',
  'MSG foo [_INBOX.x] [] -1 "hi"',
  'MSG foo [_INBOX.y] [q1,q2] -1 "abc"',
  'MSG foo [] [q1] -1 "xyz"',
  'MSG foo [] [] 12 "NATS/1.0\\r\\n\\r\\nhi"',
  'MSG foo [r] [] 12 "NATS/1.0\\r\\n\\r\\nhi"',
  'MSG foo [r] [g] 12 "NATS/1.0\\r\\n\\r\\nhi"',
  'MSG foo [] [g,h] 12 "NATS/1.0\\r\\n\\r\\n"',
  "LS+ lower null 1",
  "PING",
];

Deno.test("leaf parser: LS+, LS-, LMSG and the leaf HMSG in every argument shape", () => {
  const rec = parseLeaf([enc.encode(STREAM)]);
  assert.equal(rec.failure, null);
  assert.deepEqual(rec.ops, EXPECTED);
});

Deno.test("leaf parser: the same stream fed a byte at a time", () => {
  const bytes = enc.encode(STREAM);
  const rec = parseLeaf([...bytes].map((b) => Uint8Array.of(b)));
  assert.equal(rec.failure, null);
  assert.deepEqual(rec.ops, EXPECTED);
});

Deno.test("leaf parser: the same stream split at random offsets", () => {
  const bytes = enc.encode(STREAM);
  let seed = 7;
  for (let round = 0; round < 50; round++) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length;) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = Math.min(bytes.length - i, 1 + (seed % 40));
      chunks.push(bytes.slice(i, i + n));
      i += n;
    }
    assert.deepEqual(parseLeaf(chunks).ops, EXPECTED, `round ${round}`);
  }
});

Deno.test("leaf parser: malformed leaf operations close without an -ERR", () => {
  for (
    const bad of [
      "LS+ a b\r\n",
      "LS+ a q x\r\n",
      "LS- a b c\r\n",
      "LMSG foo\r\n",
      "LMSG foo * q 3\r\nabc\r\n",
      "LMSG foo bar 3 x\r\n",
      "HMSG foo 9 3\r\nabc\r\n",
    ]
  ) {
    const rec = parseLeaf([enc.encode(bad)]);
    assert.ok(rec.failure !== null, bad);
    assert.equal(rec.failure.errText, null, bad);
  }
});

Deno.test("client parser: leaf operations are unknown to clients", () => {
  for (const op of ["LS+ foo\r\n", "LS- foo\r\n", "LMSG foo 1\r\nx\r\n", "HMSG foo 1 1\r\nx\r\n"]) {
    const rec = new Recorder();
    const parser = new ClientParser(rec, { ...LIMITS });
    const bytes = enc.encode(op);
    parser.parse(bytes, bytes.length);
    assert.equal(rec.failure?.errText, ERR_UNKNOWN_PROTOCOL_OPERATION, op);
  }
  // A partial leaf op at the end of a read is rejected at once, as any unknown op is.
  const rec = new Recorder();
  const parser = new ClientParser(rec, { ...LIMITS });
  const bytes = enc.encode("LMS");
  parser.parse(bytes, bytes.length);
  assert.equal(rec.failure?.errText, ERR_UNKNOWN_PROTOCOL_OPERATION);
});

Deno.test("leaf parser: client operations still parse on a leaf connection", () => {
  const rec = parseLeaf([enc.encode("INFO {\"a\":1}\r\nCONNECT {}\r\nPONG\r\n-ERR 'x'\r\n")]);
  assert.deepEqual(rec.ops, ['INFO {"a":1}', "CONNECT {}", "PONG", "-ERR 'x'"]);
});
