import assert from "node:assert/strict";
import { encodeLeafMsg, leafSubLine, leafUnsubLine } from "../../../src/protocol/encode.ts";
import { Outbound } from "../../../src/conn/outbound.ts";
import { newMsgArgs } from "../../../src/protocol/ops.ts";
import { FakeConn } from "../_fakes/fake_conn.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function argsFor(subject: string, reply: string, headerSize: number, payload: string) {
  const line = enc.encode(`${subject} ${reply}`);
  const a = newMsgArgs();
  a.buf = line;
  a.subjectStart = 0;
  a.subjectEnd = subject.length;
  a.replyStart = reply ? subject.length + 1 : 0;
  a.replyEnd = reply ? subject.length + 1 + reply.length : 0;
  a.headerSize = headerSize;
  a.payloadBuf = enc.encode(`junk${payload}junk`);
  a.payloadStart = 4;
  a.size = enc.encode(payload).length;
  return a;
}

function encoded(
  args: ReturnType<typeof argsFor>,
  queues: string[],
  withHeaders = true,
): string {
  const out = new Outbound(new FakeConn(), { onWriteError() {}, onDrained() {} });
  out.append(enc.encode("X"));
  const start = encodeLeafMsg(out, args, queues.map((q) => enc.encode(q)), withHeaders);
  assert.equal(start, 1, "returns where the frame starts");
  return dec.decode(out.buf.subarray(1, out.length));
}

Deno.test("encodeLeafMsg: plain, reply, and the queue forms", () => {
  assert.equal(encoded(argsFor("foo", "", -1, "hi"), []), "LMSG foo 2\r\nhi\r\n");
  assert.equal(encoded(argsFor("foo", "r.1", -1, "hi"), []), "LMSG foo r.1 2\r\nhi\r\n");
  assert.equal(
    encoded(argsFor("foo", "r.1", -1, "hi"), ["q1", "q2"]),
    "LMSG foo + r.1 q1 q2 2\r\nhi\r\n",
  );
  assert.equal(encoded(argsFor("foo", "", -1, "hi"), ["q1"]), "LMSG foo | q1 2\r\nhi\r\n");
  assert.equal(encoded(argsFor("foo", "", -1, ""), []), "LMSG foo 0\r\n\r\n");
});

Deno.test("encodeLeafMsg: headers go out as HMSG, or are stripped for a peer without them", () => {
  const hdr = "NATS/1.0\r\nA: b\r\n\r\n";
  const a = argsFor("foo", "r", hdr.length, `${hdr}body`);
  assert.equal(
    encoded(a, []),
    `HMSG foo r ${hdr.length} ${hdr.length + 4}\r\n${hdr}body\r\n`,
  );
  assert.equal(
    encoded(a, ["g"]),
    `HMSG foo + r g ${hdr.length} ${hdr.length + 4}\r\n${hdr}body\r\n`,
  );
  assert.equal(encoded(a, [], false), "LMSG foo r 4\r\nbody\r\n");
});

Deno.test("leafSubLine / leafUnsubLine: plain and queue interest", () => {
  assert.equal(leafSubLine("foo.>", null), "LS+ foo.>\r\n");
  assert.equal(leafSubLine("foo", "grp", 3), "LS+ foo grp 3\r\n");
  assert.equal(leafUnsubLine("foo", null), "LS- foo\r\n");
  assert.equal(leafUnsubLine("foo", "grp"), "LS- foo grp\r\n");
});
