/** The monitoring state the server keeps: closed ring, per-account closed totals, requests. */
import assert from "node:assert/strict";
import { CloseReason } from "../../../src/conn/close_reason.ts";
import { MonitorState } from "../../../src/monitor/state.ts";
import { conn, sub, T0 } from "./_fake_source.ts";

Deno.test("MonitorState keeps closed connections, oldest first, bounded", () => {
  const s = new MonitorState(() => null, 3);
  for (let cid = 1; cid <= 5; cid++) {
    s.connectionClosed(conn(cid), T0 + cid, CloseReason.ClientClosed);
  }
  assert.deepEqual(s.closedConnections().map((c) => c.cid), [3, 4, 5]);
  assert.equal(s.closedConnections()[0].reason, "Client Closed");
  assert.equal(s.closedConnections()[0].stop, T0 + 3);
});

Deno.test("MonitorState sums closed connections' traffic per account", () => {
  const s = new MonitorState(() => null);
  s.connectionClosed(
    conn(1, { inMsgs: 2, inBytes: 20, outMsgs: 3, outBytes: 30, subList: [sub(1, "a")] }),
    T0,
    CloseReason.ClientClosed,
  );
  s.connectionClosed(
    conn(2, { inMsgs: 1, inBytes: 10 }),
    T0,
    CloseReason.SlowConsumerWriteDeadline,
  );
  s.connectionClosed(
    conn(3, { account: "B", outMsgs: 7 }),
    T0,
    CloseReason.SlowConsumerPendingBytes,
  );
  assert.deepEqual(s.closedTotals("$G"), {
    inMsgs: 3,
    inBytes: 30,
    outMsgs: 3,
    outBytes: 30,
    slowConsumers: 1,
  });
  assert.equal(s.closedTotals("B").slowConsumers, 1);
  assert.equal(s.closedTotals("B").outMsgs, 7);
  assert.equal(s.closedTotals("none").inMsgs, 0);
  assert.equal(s.closedConnections()[0].subs[0].subject, "a");
});

Deno.test("MonitorState counts requests per path", () => {
  const s = new MonitorState(() => null);
  s.noteHttpRequest("/varz");
  s.noteHttpRequest("/varz");
  s.noteHttpRequest("/connz");
  assert.deepEqual([...s.httpReqStats], [["/varz", 2], ["/connz", 1]]);
});
