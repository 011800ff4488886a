/**
 * Protocol errors over raw TCP: the exact bytes the server sends for each bad input, whether it
 * closes the connection, and that other connections keep working afterwards.
 *
 * Expectations are what nats-server 2.9.10 does (probed; see /tmp/skiff-notes). Several
 * argument errors close the connection WITHOUT any -ERR ("silent close").
 */

import assert from "node:assert/strict";
import { DEFAULT_CONNECT, RawClient } from "../_helpers/raw_client.ts";
import { assertServerWorks, serverSuite } from "../_helpers/suite.ts";

const UNKNOWN_OP = "-ERR 'Unknown Protocol Operation'\r\n";

interface ErrorCase {
  name: string;
  /** CONNECT options for the handshake; `null` = read INFO only, send no CONNECT. */
  connect?: Record<string, unknown> | null;
  send: string;
  /** Exactly what the server sends after the handshake in response to `send`. */
  expect: string;
  closes: boolean;
}

const CASES: ErrorCase[] = [
  {
    name: "an unknown op gets 'Unknown Protocol Operation' and a close",
    send: "FOO\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "an unknown op before CONNECT gets 'Unknown Protocol Operation' and a close",
    connect: null,
    send: "FOO bar\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "an empty line is an unknown op",
    send: "\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "MSG sent by a client is an unknown op",
    send: "MSG foo 1 2\r\nhi\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "PUB size above max_payload gets 'Maximum Payload Violation' before the payload",
    send: "PUB foo 1048577\r\n",
    expect: "-ERR 'Maximum Payload Violation'\r\n",
    closes: true,
  },
  {
    name: "PUB with an oversized payload sent in full gets 'Maximum Payload Violation'",
    send: `PUB foo 1048577\r\n${"x".repeat(1048577)}\r\n`,
    expect: "-ERR 'Maximum Payload Violation'\r\n",
    closes: true,
  },
  {
    name: "HPUB total size above max_payload gets 'Maximum Payload Violation'",
    send: "HPUB foo 12 1048577\r\n",
    expect: "-ERR 'Maximum Payload Violation'\r\n",
    closes: true,
  },
  {
    name: "a control line over 4096 bytes gets 'maximum control line exceeded'",
    send: `SUB ${"a".repeat(5000)} 1\r\n`,
    expect: "-ERR 'maximum control line exceeded'\r\n",
    closes: true,
  },
  {
    name: "a control line over 4096 bytes without CRLF yet is rejected too",
    send: `PUB ${"a".repeat(5000)}`,
    expect: "-ERR 'maximum control line exceeded'\r\n",
    closes: true,
  },
  {
    name: "an over-long CONNECT gets 'maximum control line exceeded'",
    connect: null,
    send: `CONNECT {"name":"${"n".repeat(5000)}"}\r\n`,
    expect: "-ERR 'maximum control line exceeded'\r\n",
    closes: true,
  },
  {
    name: "a 4000-byte control line is fine",
    send: `SUB ${"a".repeat(3990)} 1\r\n`,
    expect: "",
    closes: false,
  },
  {
    name: "SUB with invalid subjects gets 'Invalid Subject' and stays open",
    send: "SUB foo..bar 1\r\nSUB foo.>.bar 2\r\nSUB foo. 3\r\nSUB .foo 4\r\n" +
      "SUB ok 5\r\nPUB ok 2\r\nhi\r\n",
    expect: "-ERR 'Invalid Subject'\r\n".repeat(4) + "MSG ok 5 2\r\nhi\r\n",
    closes: false,
  },
  {
    name: "PUB with a non-numeric size closes silently",
    send: "PUB foo abc\r\nhi\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "PUB with a missing size closes silently",
    send: "PUB foo\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "PUB with a negative size closes silently",
    send: "PUB foo -1\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "PUB with too many arguments closes silently",
    send: "PUB foo bar baz 2\r\nhi\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "SUB with one argument closes silently",
    send: "SUB foo\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "SUB with four arguments closes silently",
    send: "SUB foo q 1 2\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "UNSUB without arguments is an unknown op",
    send: "UNSUB\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "UNSUB with three arguments closes silently",
    send: "UNSUB 1 2 3\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "HPUB with a missing size closes silently",
    send: "HPUB foo 10\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "HPUB with header size above total closes silently",
    send: "HPUB foo 10 5\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "a payload not followed by CRLF is an unknown op",
    send: "PUB foo 2\r\nhiXX",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "a payload followed by a bare LF is an unknown op",
    send: "PUB foo 2\r\nhi\nPING\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "a payload longer than its declared size is an unknown op",
    send: "SUB foo 1\r\nPUB foo 2\r\nhello\r\n",
    expect: UNKNOWN_OP,
    closes: true,
  },
  {
    name: "CONNECT with malformed JSON closes silently",
    connect: null,
    send: "CONNECT {bad\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "CONNECT without an argument closes silently",
    connect: null,
    send: "CONNECT\r\n",
    expect: "",
    closes: true,
  },
  {
    name: "CONNECT with protocol 2 gets 'invalid client protocol' and a close",
    connect: null,
    send: 'CONNECT {"verbose":false,"protocol":2}\r\n',
    expect: "-ERR 'invalid client protocol'\r\n",
    closes: true,
  },
  {
    name: "CONNECT with protocol -1 gets 'invalid client protocol' and a close",
    connect: null,
    send: 'CONNECT {"verbose":false,"protocol":-1}\r\n',
    expect: "-ERR 'invalid client protocol'\r\n",
    closes: true,
  },
  {
    name: "no_responders without headers gets an error and a close",
    connect: null,
    send: 'CONNECT {"verbose":false,"no_responders":true,"protocol":1}\r\n',
    expect: "-ERR 'no responders requires headers support'\r\n",
    closes: true,
  },
  {
    name: "pedantic PUB to a wildcard subject gets 'Invalid Publish Subject', still delivers",
    connect: { ...DEFAULT_CONNECT, pedantic: true },
    // `foo.*` as a subscription matches the literal subjects "foo.*" and "foo.>".
    send: "SUB foo.* 1\r\nPUB foo.* 1\r\na\r\nPUB foo.> 1\r\nb\r\n",
    expect: "-ERR 'Invalid Publish Subject'\r\nMSG foo.* 1 1\r\na\r\n" +
      "-ERR 'Invalid Publish Subject'\r\nMSG foo.> 1 1\r\nb\r\n",
    closes: false,
  },
  {
    name: "pedantic and verbose: the +OK still follows the 'Invalid Publish Subject'",
    connect: { ...DEFAULT_CONNECT, pedantic: true, verbose: true },
    send: "PUB foo.* 1\r\na\r\n",
    expect: "-ERR 'Invalid Publish Subject'\r\n+OK\r\n",
    closes: false,
  },
  {
    name: "-ERR sent by a client closes silently",
    send: "-ERR 'oops'\r\n",
    expect: "",
    closes: true,
  },
];

serverSuite("protocol errors", {}, (test) => {
  for (const c of CASES) {
    test(c.name, async (srv) => {
      await using client = await RawClient.connect(srv.port);
      await client.readInfo();
      if (c.connect !== null) {
        await client.handshake(c.connect ?? DEFAULT_CONNECT);
      }
      if (c.closes) {
        // The server may close before it has read everything; a failed write is expected.
        await client.trySend(c.send);
        await client.expectClosed(3000);
        assert.equal(client.buffered, c.expect);
      } else {
        await client.send(c.send);
        assert.equal(await client.barrier(), c.expect);
        assert.equal(client.closed, false);
      }
      await assertServerWorks(srv.port);
    });
  }
});
