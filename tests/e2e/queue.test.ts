/**
 * Queue groups over raw TCP: one member per group gets each message, plain subscribers get
 * all, separate groups are independent.
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { serverSuite } from "../_helpers/suite.ts";
import { parseMsgs } from "../_helpers/wire.ts";

const N = 300;

/** Publish N numbered messages on `subject` and wait until the server has processed them. */
async function publishNumbered(pub: RawClient, subject: string, n = N): Promise<void> {
  let batch = "";
  for (let i = 0; i < n; i++) batch += `PUB ${subject} ${String(i).length}\r\n${i}\r\n`;
  await pub.send(batch);
  await pub.barrier(5000);
}

/** Payloads (as numbers) each client received, after a barrier on each. */
async function received(clients: RawClient[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const c of clients) out.push(parseMsgs(await c.barrier(5000)).map((m) => Number(m.payload)));
  return out;
}

serverSuite("queue groups", {}, (test) => {
  test("each message goes to exactly one member; a plain subscriber gets all", async (srv) => {
    await using m1 = await RawClient.open(srv.port);
    await using m2 = await RawClient.open(srv.port);
    await using m3 = await RawClient.open(srv.port);
    await using plain = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    for (const m of [m1, m2, m3]) {
      await m.send("SUB work workers 1\r\n");
      await m.barrier();
    }
    await plain.send("SUB work 9\r\n");
    await plain.barrier();
    await publishNumbered(pub, "work");
    const [r1, r2, r3, all] = await received([m1, m2, m3, plain]);
    assert.equal(r1.length + r2.length + r3.length, N, "members together got each message once");
    assert.deepEqual(
      [...r1, ...r2, ...r3].sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
    );
    for (const [i, r] of [r1, r2, r3].entries()) {
      assert.ok(r.length > 0, `member ${i + 1} got none`);
    }
    assert.deepEqual(
      all,
      Array.from({ length: N }, (_, i) => i),
      "plain subscriber got all in order",
    );
  });

  test("two groups on one subject each get every message once", async (srv) => {
    await using a1 = await RawClient.open(srv.port);
    await using a2 = await RawClient.open(srv.port);
    await using b1 = await RawClient.open(srv.port);
    await using b2 = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    for (const [c, q] of [[a1, "ga"], [a2, "ga"], [b1, "gb"], [b2, "gb"]] as const) {
      await c.send(`SUB jobs ${q} 1\r\n`);
      await c.barrier();
    }
    await publishNumbered(pub, "jobs");
    const [ra1, ra2, rb1, rb2] = await received([a1, a2, b1, b2]);
    const sorted = (x: number[]) => x.sort((a, b) => a - b);
    const every = Array.from({ length: N }, (_, i) => i);
    assert.deepEqual(sorted([...ra1, ...ra2]), every);
    assert.deepEqual(sorted([...rb1, ...rb2]), every);
  });

  test("queue members on one connection share too, and wildcards work", async (srv) => {
    await using c = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await c.send("SUB q.* grp 1\r\nSUB q.> grp 2\r\n");
    await c.barrier();
    await publishNumbered(pub, "q.x", 100);
    const msgs = parseMsgs(await c.barrier());
    assert.equal(msgs.length, 100);
    assert.ok(msgs.every((m) => m.subject === "q.x" && (m.sid === "1" || m.sid === "2")));
  });

  test("the reply subject is passed to the chosen member", async (srv) => {
    await using m = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await m.send("SUB svc.q grp 5\r\n");
    await m.barrier();
    await pub.send("PUB svc.q reply.to 3\r\nabc\r\n");
    await pub.barrier();
    assert.equal(await m.barrier(), "MSG svc.q 5 reply.to 3\r\nabc\r\n");
  });

  test("after a member unsubscribes the rest get everything", async (srv) => {
    await using m1 = await RawClient.open(srv.port);
    await using m2 = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await m1.send("SUB leave grp 1\r\n");
    await m1.barrier();
    await m2.send("SUB leave grp 1\r\nUNSUB 1\r\n");
    await m2.barrier();
    await publishNumbered(pub, "leave", 50);
    const [r1, r2] = await received([m1, m2]);
    assert.equal(r1.length, 50);
    assert.equal(r2.length, 0);
  });

  test("a member's connection closing removes it from the group", async (srv) => {
    await using m1 = await RawClient.open(srv.port);
    const m2 = await RawClient.open(srv.port);
    await using pub = await RawClient.open(srv.port);
    await m1.send("SUB gone grp 1\r\n");
    await m1.barrier();
    await m2.send("SUB gone grp 1\r\n");
    await m2.barrier();
    await m2.close();
    // The server notices the close asynchronously; wait until m1 gets every message of a
    // round (bounded), which can only happen once m2 is out of the group.
    const deadline = Date.now() + 3000;
    let last: number[] = [];
    while (Date.now() < deadline) {
      await publishNumbered(pub, "gone", 20);
      [last] = await received([m1]);
      if (last.length === 20) break;
    }
    assert.equal(last.length, 20, "m1 should receive all messages once m2 is gone");
  });
});
