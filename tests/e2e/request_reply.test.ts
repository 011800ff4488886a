/**
 * Request/reply over raw TCP: reply subjects pass through, and the no-responders 503 status
 * for clients that asked for it.
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { serverSuite } from "../_helpers/suite.ts";

const NO_RESPONDERS_CLIENT = {
  verbose: false,
  pedantic: false,
  headers: true,
  no_responders: true,
  protocol: 1,
};

/** Read one HMSG on `reply`/`sid` and return its header block and payload. */
async function expectHmsg(
  c: RawClient,
  reply: string,
  sid: string,
): Promise<{ headers: string; payload: string }> {
  const esc = reply.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = await c.expectMatch(new RegExp(`^HMSG ${esc} ${sid} (\\d+) (\\d+)\\r\\n`));
  const hdr = Number(m[1]);
  const total = Number(m[2]);
  assert.ok(hdr <= total, `header size ${hdr} > total ${total}`);
  const body = await c.expectBytes(total + 2);
  assert.ok(body.endsWith("\r\n"), "frame ends with CRLF");
  return { headers: body.slice(0, hdr), payload: body.slice(hdr, total) };
}

serverSuite("request/reply", {}, (test) => {
  test("the reply subject is passed through and the response routed back", async (srv) => {
    await using requester = await RawClient.open(srv.port);
    await using responder = await RawClient.open(srv.port);
    await responder.send("SUB svc.echo 1\r\n");
    await responder.barrier();
    await requester.send("SUB _INBOX.abc.* 2\r\n");
    await requester.send("PUB svc.echo _INBOX.abc.1 4\r\nping\r\n");
    await requester.barrier();
    await responder.expect(/^MSG svc\.echo 1 _INBOX\.abc\.1 4\r\nping\r\n/);
    await responder.send("PUB _INBOX.abc.1 4\r\npong\r\n");
    await responder.barrier();
    await requester.expect(/^MSG _INBOX\.abc\.1 2 4\r\npong\r\n/);
    assert.equal(await requester.barrier(), "");
  });

  test("no responders: the requester gets an HMSG with status 503", async (srv) => {
    await using c = await RawClient.open(srv.port, NO_RESPONDERS_CLIENT);
    await c.send("SUB _INBOX.nr 1\r\nPUB nobody.home _INBOX.nr 2\r\nhi\r\n");
    const { headers, payload } = await expectHmsg(c, "_INBOX.nr", "1");
    assert.match(headers, /^NATS\/1\.0 503[^\r\n]*\r\n/);
    assert.ok(headers.endsWith("\r\n\r\n"), JSON.stringify(headers));
    assert.equal(payload, "");
    assert.equal(await c.barrier(), "");
  });

  test("no responders also answers an HPUB and a wildcard reply subscription", async (srv) => {
    await using c = await RawClient.open(srv.port, NO_RESPONDERS_CLIENT);
    await c.send("SUB _INBOX.w.* 7\r\nHPUB nobody _INBOX.w.1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
    const { headers } = await expectHmsg(c, "_INBOX.w.1", "7");
    assert.match(headers, /^NATS\/1\.0 503/);
  });

  test("without no_responders nothing comes back", async (srv) => {
    await using c = await RawClient.open(srv.port, {
      verbose: false,
      pedantic: false,
      headers: true,
      protocol: 1,
    });
    await c.send("SUB _INBOX.quiet 1\r\nPUB nobody _INBOX.quiet 2\r\nhi\r\n");
    assert.equal(await c.barrier(), "");
  });

  test("no 503 for a publish without a reply subject", async (srv) => {
    await using c = await RawClient.open(srv.port, NO_RESPONDERS_CLIENT);
    await c.send("SUB > 1\r\n");
    await c.barrier();
    // The '>' sub matches the publish itself, so use a second connection to publish.
    await using p = await RawClient.open(srv.port, NO_RESPONDERS_CLIENT);
    await p.send("SUB nothing.back 1\r\nPUB lonely.subject 2\r\nhi\r\n");
    assert.equal(await p.barrier(), "");
    assert.equal(await c.barrier(), "MSG lonely.subject 1 2\r\nhi\r\n");
  });

  test("no 503 when a queue subscriber is the only responder", async (srv) => {
    await using responder = await RawClient.open(srv.port);
    await using requester = await RawClient.open(srv.port, NO_RESPONDERS_CLIENT);
    await responder.send("SUB svc.q workers 1\r\n");
    await responder.barrier();
    await requester.send("SUB _INBOX.q 1\r\nPUB svc.q _INBOX.q 1\r\nx\r\n");
    assert.equal(await requester.barrier(), "");
    assert.equal(await responder.barrier(), "MSG svc.q 1 _INBOX.q 1\r\nx\r\n");
  });

  test("the 503 goes only to the requester's reply subscription", async (srv) => {
    await using requester = await RawClient.open(srv.port, NO_RESPONDERS_CLIENT);
    await using watcher = await RawClient.open(srv.port);
    await watcher.send("SUB _INBOX.shared 1\r\n");
    await watcher.barrier();
    await requester.send("SUB _INBOX.shared 3\r\nPUB nobody _INBOX.shared 1\r\nx\r\n");
    const { headers } = await expectHmsg(requester, "_INBOX.shared", "3");
    assert.match(headers, /^NATS\/1\.0 503/);
    assert.equal(await watcher.barrier(), "");
  });
});
