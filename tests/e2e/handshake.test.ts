/**
 * INFO on connect, CONNECT/PING/PONG, verbose +OK, and control-line framing (case, whitespace,
 * line endings, pipelining), over raw TCP.
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { serverSuite } from "../_helpers/suite.ts";

serverSuite("handshake", {}, (test) => {
  test("INFO is sent on connect before the client says anything", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    const line = await c.expect(/^INFO \{[^\r\n]*\}[ ]?\r\n/);
    assert.ok(line.startsWith("INFO {"), line);
  });

  test("INFO carries server_id, server_name, version, proto, host, port and limits", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    const info = await c.readInfo();
    assert.match(info.server_id, /^N[A-Z2-7]{55}$/, "server_id is an NKey-style public key");
    assert.equal(typeof info.server_name, "string");
    assert.ok(info.server_name.length > 0);
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(info.proto, 1);
    assert.equal(info.host, srv.hostname);
    assert.equal(info.port, srv.port);
    assert.equal(info.headers, true);
    assert.equal(info.max_payload, 1048576);
    assert.ok(Number.isInteger(info.client_id) && info.client_id > 0, `${info.client_id}`);
    assert.equal(info.client_ip, "127.0.0.1");
    assert.equal(info.auth_required ?? false, false);
    assert.equal(info.tls_required ?? false, false);
  });

  test("each connection gets its own client_id and the same server_id", async (srv) => {
    await using a = await RawClient.connect(srv.port);
    await using b = await RawClient.connect(srv.port);
    const ia = await a.readInfo();
    const ib = await b.readInfo();
    assert.notEqual(ia.client_id, ib.client_id);
    assert.equal(ia.server_id, ib.server_id);
  });

  test("CONNECT + PING gets exactly PONG", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.readInfo();
    await c.send(
      'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,' +
        '"protocol":1}\r\nPING\r\n',
    );
    await c.expect(/^PONG\r\n/);
    // Nothing else follows (no +OK, no extra INFO): the next PING yields only PONG.
    assert.equal(await c.barrier(), "");
  });

  test("PING before CONNECT gets PONG", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.readInfo();
    await c.send("PING\r\n");
    await c.expect(/^PONG\r\n/);
  });

  test("verbose:true gets +OK after CONNECT, SUB, PUB and UNSUB", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.readInfo();
    await c.send('CONNECT {"verbose":true,"pedantic":false,"protocol":1}\r\n');
    await c.expect(/^\+OK\r\n/);
    await c.send("SUB foo 1\r\n");
    await c.expect(/^\+OK\r\n/);
    await c.send("PUB foo 2\r\nhi\r\n");
    // The +OK for the PUB precedes the MSG it causes on the same connection.
    await c.expect(/^\+OK\r\nMSG foo 1 2\r\nhi\r\n/);
    await c.send("UNSUB 1\r\n");
    await c.expect(/^\+OK\r\n/);
    await c.send("UNSUB 99\r\n");
    await c.expect(/^\+OK\r\n/);
    // PING is answered with PONG only, no +OK.
    assert.equal(await c.barrier(), "");
  });

  test("options default to verbose before CONNECT and when CONNECT omits verbose", async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.readInfo();
    await c.send("SUB foo 1\r\nPUB foo 2\r\nhi\r\n");
    assert.equal(await c.barrier(), "+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\n");
    await c.send("CONNECT {}\r\n");
    assert.equal(await c.barrier(), "+OK\r\n");
    await c.send('CONNECT {"verbose":false}\r\nSUB bar 2\r\n');
    assert.equal(await c.barrier(), "");
  });

  test("op names are case-insensitive", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send(
      "sub foo 1\r\npUb foo 2\r\nhi\r\nSuB bar 2\r\nhpub bar 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
    );
    await c.send("unsub 2\r\npub bar 1\r\nx\r\n");
    await c.send("ping\r\n");
    await c.expect(/^MSG foo 1 2\r\nhi\r\nHMSG bar 2 12 14\r\nNATS\/1\.0\r\n\r\nhi\r\nPONG\r\n/);
    await c.send("PiNg\r\n");
    await c.expect(/^PONG\r\n/);
  });

  test("fields may be separated by tabs and runs of spaces", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB\tfoo \t  1\r\nPUB   foo\t\trep  2\r\nhi\r\nSUB  bar\t q\t 2 \r\n");
    await c.send("PUB bar\t1\r\nx\r\n");
    assert.equal(await c.barrier(), "MSG foo 1 rep 2\r\nhi\r\nMSG bar 2 1\r\nx\r\n");
  });

  test("control lines ending in a bare LF are accepted", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("SUB foo 1\nPUB foo 2\nhi\r\nPING\n");
    await c.expect(/^MSG foo 1 2\r\nhi\r\nPONG\r\n/);
  });

  test("PONG, +OK and INFO from a client are ignored", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send("PONG\r\n+OK\r\nINFO {}\r\n");
    assert.equal(await c.barrier(), "");
  });

  test("a second CONNECT is accepted and applies its options", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await c.send('CONNECT {"verbose":true}\r\n');
    assert.equal(await c.barrier(), "+OK\r\n");
    await c.send("SUB foo 1\r\n");
    assert.equal(await c.barrier(), "+OK\r\n");
  });

  test("5000 PUBs pipelined in one write are all delivered in order", async (srv) => {
    const n = 5000;
    await using sub = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await sub.send("SUB pipe.> 7\r\n");
    await sub.barrier();
    let batch = "";
    for (let i = 0; i < n; i++) {
      const body = String(i);
      batch += `PUB pipe.${i % 10} ${body.length}\r\n${body}\r\n`;
    }
    await pub.send(batch + "PING\r\n");
    await pub.expect(/^PONG\r\n/, 5000);
    const got = await sub.barrier(5000);
    const re = /MSG pipe\.(\d) 7 (\d+)\r\n(\d+)\r\n/gy;
    let i = 0;
    let consumed = 0;
    for (const m of got.matchAll(re)) {
      consumed += m[0].length;
      assert.equal(Number(m[1]), i % 10);
      assert.equal(m[3], String(i));
      assert.equal(Number(m[2]), m[3].length);
      i++;
    }
    assert.equal(i, n, `received ${i} of ${n} messages`);
    assert.equal(consumed, got.length, "nothing but the MSGs arrived");
  });
});
