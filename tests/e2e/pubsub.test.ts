/**
 * Core publish/subscribe over raw TCP: exact MSG framing, payload edge cases, wildcards,
 * overlapping subscriptions, UNSUB and auto-unsubscribe, echo.
 */

import assert from "node:assert/strict";
import { bin, RawClient } from "../_helpers/raw_client.ts";
import { serverSuite } from "../_helpers/suite.ts";
import { msgSet } from "../_helpers/wire.ts";

serverSuite("pubsub", {}, (test) => {
  test("MSG framing is exact without and with a reply subject", async (srv) => {
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await sub.send("SUB foo 1\r\n");
    await sub.barrier();
    await pub.send("PUB foo 5\r\nhello\r\nPUB foo bar.baz 5\r\nworld\r\n");
    await pub.barrier();
    assert.equal(
      await sub.barrier(),
      "MSG foo 1 5\r\nhello\r\nMSG foo 1 bar.baz 5\r\nworld\r\n",
    );
  });

  test("a zero-length payload is delivered as MSG <subj> <sid> 0", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB empty 1\r\nPUB empty 0\r\n\r\nPUB empty r 0\r\n\r\n");
    assert.equal(await c.barrier(), "MSG empty 1 0\r\n\r\nMSG empty 1 r 0\r\n\r\n");
  });

  test("a binary payload containing CRLF and every byte value arrives intact", async (srv) => {
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    const payload = new Uint8Array(256 + 6);
    for (let i = 0; i < 256; i++) payload[i] = i;
    payload.set([13, 10, 13, 10, 0x4d, 0x53], 256); // "\r\n\r\nMS": looks like framing
    await sub.send("SUB bin 1\r\n");
    await sub.barrier();
    const head = new TextEncoder().encode(`PUB bin ${payload.length}\r\n`);
    await pub.send(new Uint8Array([...head, ...payload, 13, 10]));
    await pub.barrier();
    await sub.expect(`MSG bin 1 ${payload.length}\r\n`);
    assert.equal(await sub.expectBytes(payload.length + 2), bin(payload) + "\r\n");
  });

  test("a 1 MiB payload (exactly max_payload) is delivered", async (srv) => {
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    const size = 1024 * 1024;
    const body = "abcdefgh".repeat(size / 8);
    await sub.send("SUB big 1\r\n");
    await sub.barrier();
    await pub.send(`PUB big ${size}\r\n${body}\r\n`);
    await pub.barrier(5000);
    await sub.expect(`MSG big 1 ${size}\r\n`, 5000);
    assert.ok((await sub.expectBytes(size + 2, 5000)) === body + "\r\n", "payload differs");
  });

  test("'*' matches exactly one token", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB foo.* 1\r\nSUB *.bar 2\r\n");
    await c.send(
      "PUB foo.bar 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo.bar.baz 1\r\nc\r\nPUB x.bar 1\r\nd\r\n",
    );
    assert.deepEqual(msgSet(await c.barrier()), ["foo.bar 1 - a", "foo.bar 2 - a", "x.bar 2 - d"]);
  });

  test("'>' matches one or more trailing tokens", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB foo.> 1\r\nSUB > 2\r\n");
    await c.send("PUB foo 1\r\na\r\nPUB foo.bar 1\r\nb\r\nPUB foo.bar.baz 1\r\nc\r\n");
    assert.deepEqual(msgSet(await c.barrier()), [
      "foo 2 - a",
      "foo.bar 1 - b",
      "foo.bar 2 - b",
      "foo.bar.baz 1 - c",
      "foo.bar.baz 2 - c",
    ]);
  });

  test("'*' and '>' combine; tokens with '*' inside are literal", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB a.*.c.> 1\r\nSUB f*o 2\r\n");
    await c.send("PUB a.b.c 1\r\n1\r\nPUB a.b.c.d 1\r\n2\r\nPUB a.b.x.d 1\r\n3\r\n");
    await c.send("PUB fxo 1\r\n4\r\nPUB f*o 1\r\n5\r\n");
    assert.equal(await c.barrier(), "MSG a.b.c.d 1 1\r\n2\r\nMSG f*o 2 1\r\n5\r\n");
  });

  test("two overlapping subscriptions on one connection each get the message", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB over.x 1\r\nSUB over.* 2\r\nPUB over.x 2\r\nhi\r\n");
    assert.deepEqual(msgSet(await c.barrier()), ["over.x 1 - hi", "over.x 2 - hi"]);
  });

  test("sids are opaque tokens", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB tok abc\r\nPUB tok 1\r\nx\r\nUNSUB abc\r\nPUB tok 1\r\ny\r\n");
    assert.equal(await c.barrier(), "MSG tok abc 1\r\nx\r\n");
  });

  test("UNSUB stops delivery", async (srv) => {
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await sub.send("SUB un 1\r\n");
    await sub.barrier();
    await pub.send("PUB un 1\r\na\r\n");
    await pub.barrier();
    assert.equal(await sub.barrier(), "MSG un 1 1\r\na\r\n");
    await sub.send("UNSUB 1\r\n");
    await sub.barrier();
    await pub.send("PUB un 1\r\nb\r\n");
    await pub.barrier();
    assert.equal(await sub.barrier(), "");
  });

  test("UNSUB <sid> <max> removes the subscription after max messages", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB auto 1\r\nUNSUB 1 3\r\n");
    for (const b of "abcde") await c.send(`PUB auto 1\r\n${b}\r\n`);
    assert.equal(
      await c.barrier(),
      "MSG auto 1 1\r\na\r\nMSG auto 1 1\r\nb\r\nMSG auto 1 1\r\nc\r\n",
    );
    // The sid is gone: a new SUB with the same sid works from scratch.
    await c.send("SUB auto 1\r\nPUB auto 1\r\nf\r\n");
    assert.equal(await c.barrier(), "MSG auto 1 1\r\nf\r\n");
  });

  test("UNSUB with max <= delivered removes the subscription at once", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB at 1\r\nPUB at 1\r\na\r\nPUB at 1\r\nb\r\nUNSUB 1 2\r\nPUB at 1\r\nc\r\n");
    assert.equal(await c.barrier(), "MSG at 1 1\r\na\r\nMSG at 1 1\r\nb\r\n");
    await c.send("SUB at0 2\r\nUNSUB 2 0\r\nPUB at0 1\r\nx\r\n");
    assert.equal(await c.barrier(), "");
  });

  test("UNSUB with max above delivered counts the earlier deliveries", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB cnt 1\r\nPUB cnt 1\r\na\r\nUNSUB 1 2\r\n");
    await c.send("PUB cnt 1\r\nb\r\nPUB cnt 1\r\nc\r\n");
    assert.equal(await c.barrier(), "MSG cnt 1 1\r\na\r\nMSG cnt 1 1\r\nb\r\n");
  });

  test("UNSUB with a non-numeric max acts as a plain UNSUB", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB nn 1\r\nUNSUB 1 x\r\nPUB nn 1\r\na\r\n");
    assert.equal(await c.barrier(), "");
  });

  test("UNSUB of an unknown sid is ignored", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("UNSUB 42\r\nUNSUB nope 5\r\nSUB ok 1\r\nPUB ok 1\r\na\r\n");
    assert.equal(await c.barrier(), "MSG ok 1 1\r\na\r\n");
  });

  test("echo:false keeps a connection's own messages from its subscriptions", async (srv) => {
    await using quiet = await RawClient.open(srv.port, {
      verbose: false,
      pedantic: false,
      echo: false,
      headers: true,
      protocol: 1,
    });
    await using other = await RawClient.open(srv.port);
    await quiet.send("SUB echo 1\r\nPUB echo 4\r\nself\r\n");
    assert.equal(await quiet.barrier(), "");
    await other.send("SUB echo 1\r\n");
    await other.barrier();
    await quiet.send("PUB echo 4\r\nself\r\n");
    await quiet.barrier();
    assert.equal(await other.barrier(), "MSG echo 1 4\r\nself\r\n");
    await other.send("PUB echo 5\r\nother\r\n");
    await other.barrier();
    assert.equal(await quiet.barrier(), "MSG echo 1 5\r\nother\r\n");
  });

  test("echo defaults to true", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB me 1\r\nPUB me 2\r\nhi\r\n");
    assert.equal(await c.barrier(), "MSG me 1 2\r\nhi\r\n");
  });

  test("without pedantic a PUB to a wildcard subject matches it literally", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB lit.* 1\r\nSUB lit.x 2\r\nPUB lit.* 1\r\na\r\n");
    assert.equal(await c.barrier(), "MSG lit.* 1 1\r\na\r\n");
  });

  test("messages from one publisher arrive in publish order", async (srv) => {
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await sub.send("SUB order 1\r\n");
    await sub.barrier();
    for (let i = 0; i < 200; i++) await pub.send(`PUB order ${String(i).length}\r\n${i}\r\n`);
    await pub.barrier();
    const got = await sub.barrier();
    const seq = [...got.matchAll(/MSG order 1 \d+\r\n(\d+)\r\n/g)].map((m) => Number(m[1]));
    assert.deepEqual(seq, Array.from({ length: 200 }, (_, i) => i));
  });
});
