import assert from "node:assert/strict";
import { encodeMsg, encodeStatusMsg } from "../../../src/protocol/encode.ts";
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

function encoded(fn: (out: Outbound) => void): string {
  const out = new Outbound(new FakeConn(), { onWriteError() {}, onDrained() {} });
  fn(out);
  return dec.decode(out.buf.subarray(0, out.length));
}

Deno.test("encodeMsg() writes MSG with and without a reply", () => {
  const sid = "7";
  assert.equal(
    encoded((o) => encodeMsg(o, sid, null, argsFor("a.b", "", -1, "hello"), true)),
    "MSG a.b 7 5\r\nhello\r\n",
  );
  assert.equal(
    encoded((o) => encodeMsg(o, sid, null, argsFor("a.b", "_INBOX.1", -1, ""), true)),
    "MSG a.b 7 _INBOX.1 0\r\n\r\n",
  );
});

Deno.test("encodeMsg() writes HMSG with the header size, or strips headers when asked", () => {
  const sid = "abc";
  const block = "NATS/1.0\r\nA: b\r\n\r\n";
  const a = argsFor("h", "r", block.length, block + "hi");
  assert.equal(
    encoded((o) => encodeMsg(o, sid, null, a, true)),
    `HMSG h abc r 18 20\r\n${block}hi\r\n`,
  );
  assert.equal(encoded((o) => encodeMsg(o, sid, null, a, false)), "MSG h abc r 2\r\nhi\r\n");
});

Deno.test("encodeMsg() sends an empty header block as a plain MSG", () => {
  const a = argsFor("h", "", 0, "hi");
  assert.equal(encoded((o) => encodeMsg(o, "1", null, a, true)), "MSG h 1 2\r\nhi\r\n");
});

Deno.test("encodeMsg() copies payloads of every size intact, growing the buffer", () => {
  for (const size of [0, 1, 47, 48, 49, 511, 512, 513, 70_000]) {
    const payload = "p".repeat(size);
    const text = encoded((o) => {
      for (let i = 0; i < 3; i++) {
        encodeMsg(o, "1", null, argsFor("s", "", -1, payload), true);
      }
    });
    assert.equal(text, `MSG s 1 ${size}\r\n${payload}\r\n`.repeat(3), `size ${size}`);
  }
});

Deno.test("encodeMsg() writes a non-ASCII sid from its bytes", () => {
  const a = argsFor("s", "", -1, "x");
  assert.equal(
    encoded((o) => encodeMsg(o, "é1", enc.encode("é1"), a, true)),
    "MSG s é1 1\r\nx\r\n",
  );
});

Deno.test("encodeStatusMsg() writes a header-only status message", () => {
  const block = enc.encode("NATS/1.0 503\r\n\r\n");
  assert.equal(
    encoded((o) => encodeStatusMsg(o, enc.encode("_INBOX.x"), "9", null, block)),
    "HMSG _INBOX.x 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
  );
});
