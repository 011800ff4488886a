/**
 * Message headers over raw TCP: HPUB -> HMSG byte-exact passthrough, and what subscribers
 * that did not opt into headers receive.
 */

import assert from "node:assert/strict";
import { RawClient, utf8 } from "../_helpers/raw_client.ts";
import { serverSuite } from "../_helpers/suite.ts";
import { msgSet } from "../_helpers/wire.ts";

const NO_HEADERS = { verbose: false, pedantic: false, headers: false, protocol: 1 };

/** Build an HPUB frame with correct sizes (byte lengths of the UTF-8 encoding). */
function hpub(subject: string, reply: string | undefined, headers: string, payload: string) {
  const h = utf8(headers).length;
  const t = h + utf8(payload).length;
  return `HPUB ${subject}${reply ? ` ${reply}` : ""} ${h} ${t}\r\n${headers}${payload}\r\n`;
}

serverSuite("headers", {}, (test) => {
  test("HPUB is delivered as HMSG byte for byte, with sizes", async (srv) => {
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await sub.send("SUB h.* 1\r\n");
    await sub.barrier();
    const block = "NATS/1.0\r\nFoo: bar\r\n\r\n";
    await pub.send(hpub("h.a", undefined, block, "hello"));
    await pub.send(hpub("h.b", "reply.x", block, ""));
    await pub.barrier();
    assert.equal(
      await sub.barrier(),
      `HMSG h.a 1 22 27\r\n${block}hello\r\nHMSG h.b 1 reply.x 22 22\r\n${block}\r\n`,
    );
  });

  test("multi-value headers and header-name case are preserved", async (srv) => {
    await using c = await RawClient.open(srv.port);
    const block = "NATS/1.0\r\nA: b\r\nA: c\r\nx-Y: z\r\nMiXeD-CaSe: Value With Spaces\r\n\r\n";
    await c.send("SUB mv 1\r\n" + hpub("mv", "rep", block, "hi"));
    assert.equal(
      await c.barrier(),
      `HMSG mv 1 rep ${block.length} ${block.length + 2}\r\n${block}hi\r\n`,
    );
  });

  test("UTF-8 header values and payloads keep their byte sizes", async (srv) => {
    await using c = await RawClient.open(srv.port);
    const block = "NATS/1.0\r\nName: Zoë ✓\r\n\r\n";
    const frame = hpub("u8", undefined, block, "héllo");
    await c.send("SUB u8 1\r\n" + frame);
    const h = utf8(block).length;
    const t = h + utf8("héllo").length;
    assert.equal(await c.barrier(), `HMSG u8 1 ${h} ${t}\r\n${utf8(block)}${utf8("héllo")}\r\n`);
  });

  test("a status line with a description passes through", async (srv) => {
    await using c = await RawClient.open(srv.port);
    const block = "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n";
    await c.send("SUB st 1\r\n" + hpub("st", undefined, block, ""));
    assert.equal(await c.barrier(), `HMSG st 1 ${block.length} ${block.length}\r\n${block}\r\n`);
  });

  test("an HPUB with a zero-length header block arrives as a plain MSG", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB z 1\r\nHPUB z 0 2\r\nhi\r\n");
    assert.equal(await c.barrier(), "MSG z 1 2\r\nhi\r\n");
  });

  test("a headers:false subscriber gets MSG with the header block stripped", async (srv) => {
    await using old = await RawClient.open(srv.port, NO_HEADERS);
    await using modern = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await old.send("SUB hf 1\r\n");
    await old.barrier();
    await modern.send("SUB hf 2\r\n");
    await modern.barrier();
    const block = "NATS/1.0\r\nA: b\r\n\r\n";
    await pub.send(hpub("hf", undefined, block, "hi"));
    await pub.send(hpub("hf", "r", "NATS/1.0 503\r\n\r\n", ""));
    await pub.barrier();
    assert.equal(await old.barrier(), "MSG hf 1 2\r\nhi\r\nMSG hf 1 r 0\r\n\r\n");
    assert.equal(
      await modern.barrier(),
      `HMSG hf 2 18 20\r\n${block}hi\r\nHMSG hf 2 r 16 16\r\nNATS/1.0 503\r\n\r\n\r\n`,
    );
  });

  test("plain PUBs reach headers:true and headers:false subscribers as MSG", async (srv) => {
    await using old = await RawClient.open(srv.port, NO_HEADERS);
    await using modern = await RawClient.open(srv.port);
    await old.send("SUB plain 1\r\n");
    await old.barrier();
    await modern.send("SUB plain 2\r\nPUB plain 1\r\nx\r\n");
    assert.deepEqual(msgSet(await modern.barrier()), ["plain 2 - x"]);
    assert.equal(await old.barrier(), "MSG plain 1 1\r\nx\r\n");
  });

  test("an HPUB from a connection without headers:true is closed silently", async (srv) => {
    await using c = await RawClient.open(srv.port, NO_HEADERS);
    await c.trySend("SUB x 1\r\nHPUB x 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\n");
    await c.expectClosed();
    assert.equal(c.buffered, "");
  });
});
