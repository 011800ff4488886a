/**
 * Server limits set from a config file (`-c`): payload and control-line sizes, subscription and
 * connection counts, stale connections (server PINGs unanswered) and slow consumers.
 */

import assert from "node:assert/strict";
import { DEFAULT_CONNECT, RawClient } from "../_helpers/raw_client.ts";
import { assertServerWorks, serverTest } from "../_helpers/suite.ts";

serverTest(
  "limits: max_payload, max_control_line and max_subscriptions from the config file",
  { config: "max_payload: 1024\nmax_control_line: 512\nmax_subscriptions: 2\n" },
  async (srv) => {
    await using c = await RawClient.connect(srv.port);
    const info = await c.readInfo();
    assert.equal(info.max_payload, 1024);
    await c.handshake();

    // max_subscriptions: the third SUB is refused, the connection stays open.
    await c.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n");
    assert.equal(await c.barrier(), "-ERR 'maximum subscriptions exceeded'\r\n");
    await c.send("PUB a 1\r\nx\r\nPUB c 1\r\ny\r\n");
    assert.equal(await c.barrier(), "MSG a 1 1\r\nx\r\n");

    // Exactly max_payload is accepted.
    await c.send(`PUB a 1024\r\n${"p".repeat(1024)}\r\n`);
    assert.equal(await c.barrier(), `MSG a 1 1024\r\n${"p".repeat(1024)}\r\n`);

    await using big = await RawClient.open(srv.port);
    await big.trySend(`PUB a 1025\r\n${"p".repeat(1025)}\r\n`);
    await big.expectClosed();
    assert.equal(big.buffered, "-ERR 'Maximum Payload Violation'\r\n");

    await using long = await RawClient.open(srv.port);
    await long.trySend(`SUB ${"s".repeat(600)} 9\r\n`);
    await long.expectClosed();
    assert.equal(long.buffered, "-ERR 'maximum control line exceeded'\r\n");

    await assertServerWorks(srv.port);
  },
);

serverTest(
  "limits: max_connections refuses the extra connection after its INFO",
  { config: "max_connections: 2\n" },
  async (srv) => {
    await using a = await RawClient.open(srv.port);
    const b = await RawClient.open(srv.port);
    try {
      await using extra = await RawClient.connect(srv.port);
      await extra.readInfo();
      await extra.expectClosed();
      assert.equal(extra.buffered, "-ERR 'maximum connections exceeded'\r\n");
    } finally {
      await b.close();
    }
    // The two admitted connections were unaffected, and a freed slot can be used again.
    await a.send("SUB m 1\r\n");
    await a.barrier();
    const deadline = Date.now() + 3000;
    let c: RawClient | undefined;
    while (!c) {
      const attempt = await RawClient.connect(srv.port);
      await attempt.readInfo();
      await attempt.send('CONNECT {"verbose":false}\r\nPING\r\n');
      const ok = await attempt.expect(/^PONG\r\n/).then(() => true, () => false);
      if (ok) c = attempt;
      else {
        // The server may not have processed b's close yet; retry within the deadline.
        await attempt.close();
        assert.ok(Date.now() < deadline, "slot was not freed after a connection closed");
      }
    }
    try {
      await c.send("PUB m 2\r\nok\r\n");
      await c.barrier();
      assert.equal(await a.barrier(), "MSG m 1 2\r\nok\r\n");
    } finally {
      await c.close();
    }
  },
);

serverTest(
  "limits: a client that ignores server PINGs gets 'Stale Connection'; one that answers stays",
  { config: 'ping_interval: "1s"\nping_max: 1\n' },
  async (srv) => {
    await using idle = await RawClient.open(srv.port, DEFAULT_CONNECT, { autoPong: false });
    await using live = await RawClient.open(srv.port); // answers server PINGs itself
    await idle.expect(/^PING\r\n/, 3000);
    await idle.expectClosed(4000);
    assert.equal(idle.buffered, "-ERR 'Stale Connection'\r\n");
    assert.equal(live.closed, false, "a client answering PINGs must stay connected");
    assert.ok(live.serverPings >= 1, "the live client saw at least one server PING");
    await live.send("SUB s 1\r\nPUB s 2\r\nok\r\n");
    await live.expect(/MSG s 1 2\r\nok\r\n/);
  },
);

serverTest(
  "limits: a subscriber that stops reading is cut off; others keep receiving",
  // nats-server refuses max_payload > max_pending, so both are set. A blocked write is only
  // abandoned after write_deadline (default 10s), so shorten it.
  { config: 'max_pending: 65536\nmax_payload: 65536\nwrite_deadline: "1s"\n' },
  async (srv) => {
    const size = 60_000;
    const count = 400; // 24 MB: far more than the kernel socket buffers can absorb
    await using slow = await RawClient.open(srv.port);
    await using good = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    for (const c of [slow, good]) {
      await c.send("SUB flood 1\r\n");
      await c.barrier();
    }
    slow.pause();
    const payload = "z".repeat(size);
    const frame = `PUB flood ${size}\r\n${payload}\r\n`;
    // One message in flight at a time, so the good subscriber never falls behind itself.
    for (let i = 0; i < count; i++) {
      await pub.send(frame);
      await good.expect(`MSG flood 1 ${size}\r\n`, 5000);
      await good.expectBytes(size + 2, 5000);
    }
    assert.equal(await pub.barrier(), "", "the publisher is not affected");
    assert.equal(await good.barrier(), "", "the good subscriber got exactly all messages");
    slow.resume();
    await slow.expectClosed(10_000);
    assert.ok(
      slow.received < count * (size + 20),
      `slow consumer got ${slow.received} bytes, expected to be cut off before all`,
    );
    assert.ok(!slow.buffered.includes("-ERR"), "slow consumers are closed without -ERR");
  },
);
