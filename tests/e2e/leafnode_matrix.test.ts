/**
 * One leaf node contract run over every pairing: Skiff leaf -> Skiff hub, Skiff leaf ->
 * nats-server hub, nats-server leaf -> Skiff hub (and, as a check of the tests themselves,
 * nats-server -> nats-server). Each pairing is two server processes on loopback; the cases
 * are steps against them: pub/sub both ways with headers, one delivery per subscriber however
 * many subscriptions overlap, queue groups (local first, then across), request/reply both ways,
 * /leafz, and a hub restart the leaf recovers from. Pairings with nats-server are skipped when
 * it is not installed. Every wait polls an observable condition with a deadline.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient } from "../_helpers/raw_client.ts";
import {
  annotateNodes,
  disposeAll,
  HAVE_NATS_SERVER,
  leafz,
  type Node,
  type NodeKind,
  startNode,
  waitForInterest,
  waitForLeafs,
  waitUntil,
} from "../_helpers/cluster.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads `n` MSG frames for `subject` and returns their sids and payloads, in order. */
async function readMsgs(c: RawClient, n: number): Promise<{ sid: string; payload: string }[]> {
  const got: { sid: string; payload: string }[] = [];
  for (let i = 0; i < n; i++) {
    const m = await c.expectMatch(/^MSG (\S+) (\S+) (?:\S+ )?(\d+)\r\n/, 5000);
    const body = await c.expectBytes(Number(m[3]) + 2);
    got.push({ sid: m[2], payload: body.slice(0, -2) });
  }
  return got;
}

function matrix(leafKind: NodeKind, hubKind: NodeKind): void {
  const needsNats = leafKind === "nats" || hubKind === "nats";
  Deno.test({
    name: `leafnode: ${leafKind} leaf -> ${hubKind} hub`,
    ignore: needsNats && !HAVE_NATS_SERVER,
    // nats.js keeps timers briefly after close.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      let hub: Node | null = null;
      let leaf: Node | null = null;
      const step = (name: string, body: () => Promise<void>) =>
        t.step(name, async () => {
          try {
            await body();
          } catch (err) {
            throw annotateNodes(err, hub, leaf);
          }
        });
      try {
        hub = await startNode({ kind: hubKind, name: "hub", hub: true });
        leaf = await startNode({ kind: leafKind, name: "leaf", remotes: [{ hub }] });
        await waitForLeafs(hub);
        await waitForLeafs(leaf);
        const h = hub, l = leaf;
        await step(
          "messages cross both ways where there is interest, headers intact",
          () => pubSubBothWays(h, l),
        );
        await step(
          "a subscriber gets a message once however many of its subscriptions match",
          () => overlapsDeliverOnce(h, l),
        );
        await step(
          "queue groups prefer local members and fall back across the link",
          () => queueGroups(h, l),
        );
        await step("request/reply works in both directions", () => requestReply(h, l));
        await step("/leafz describes the link on both sides", () => leafzFields(h, l));
        await step(
          "after a hub restart the leaf reconnects and re-sends its interest",
          () => hubRestart(h, l),
        );
      } catch (err) {
        throw annotateNodes(err, hub, leaf);
      } finally {
        await disposeAll(hub, leaf);
      }
    },
  });
}

matrix("skiff", "skiff");
matrix("skiff", "nats");
matrix("nats", "skiff");
matrix("nats", "nats");

async function pubSubBothWays(hub: Node, leaf: Node): Promise<void> {
  await using onHub = await RawClient.open(hub.ports.client);
  await using onLeaf = await RawClient.open(leaf.ports.client);
  await onHub.send("SUB m.to-hub 1\r\n");
  await onHub.barrier();
  await onLeaf.send("SUB m.to-leaf 2\r\n");
  await onLeaf.barrier();
  await waitForInterest(leaf, "m.to-hub");
  await waitForInterest(hub, "m.to-leaf");

  await onLeaf.send("PUB m.to-hub reply.one 5\r\nhello\r\n");
  await onHub.expect("MSG m.to-hub 1 reply.one 5\r\nhello\r\n", 5000);
  const hdr = "NATS/1.0\r\nX-Trace: abc\r\n\r\n";
  await onHub.send(`HPUB m.to-leaf ${hdr.length} ${hdr.length + 2}\r\n${hdr}hi\r\n`);
  await onLeaf.expect(`HMSG m.to-leaf 2 ${hdr.length} ${hdr.length + 2}\r\n${hdr}hi\r\n`, 5000);

  // Nobody on the hub wants this subject: the leaf keeps it (its out count does not move).
  const before = (await leafz(leaf)).leafs![0].out_msgs;
  await onLeaf.send("PUB m.nobody 1\r\nx\r\n");
  await onLeaf.barrier();
  await onLeaf.send("PUB m.to-hub 1\r\ny\r\n");
  await onHub.expect("MSG m.to-hub 1 1\r\ny\r\n", 5000);
  const after = (await leafz(leaf)).leafs![0].out_msgs;
  assert.equal(after - before, 1, "only the message the hub has interest in crossed");
}

async function overlapsDeliverOnce(hub: Node, leaf: Node): Promise<void> {
  for (const [subSide, pubSide] of [[hub, leaf], [leaf, hub]]) {
    await using sub = await RawClient.open(subSide.ports.client);
    await using pub = await RawClient.open(pubSide.ports.client);
    await sub.send("SUB ov.* 1\r\nSUB ov.> 2\r\nSUB ov.a 3\r\n");
    await sub.barrier();
    await waitForInterest(pubSide, "ov.a");
    await waitForInterest(pubSide, "ov.>");
    await waitForInterest(pubSide, "ov.*");
    await pub.send("PUB ov.a 3\r\none\r\nPUB ov.a 3\r\ntwo\r\nPUB ov.end 3\r\nend\r\n");
    // ov.a matches three subscriptions: each gets each message once; ov.end two of them.
    const got = await readMsgs(sub, 8);
    const bySid = (sid: string) => got.filter((m) => m.sid === sid).map((m) => m.payload);
    assert.deepEqual(bySid("1"), ["one", "two", "end"]);
    assert.deepEqual(bySid("2"), ["one", "two", "end"]);
    assert.deepEqual(bySid("3"), ["one", "two"]);
    const extra = await sub.barrier();
    assert.equal(extra, "", "no duplicate deliveries");
  }
}

async function queueGroups(hub: Node, leaf: Node): Promise<void> {
  await using onHub = await RawClient.open(hub.ports.client);
  await using onLeaf = await RawClient.open(leaf.ports.client);
  await using pubHub = await RawClient.open(hub.ports.client);
  await using pubLeaf = await RawClient.open(leaf.ports.client);
  await onHub.send("SUB q.work workers 5\r\n");
  await onHub.barrier();
  await onLeaf.send("SUB q.work workers 6\r\n");
  await onLeaf.barrier();
  await waitForInterest(hub, "q.work");
  await waitForInterest(leaf, "q.work");

  // Both sides have a member: each side's publishes stay local.
  const n = 20;
  await pubLeaf.send("PUB q.work 1\r\nL\r\n".repeat(n));
  await pubHub.send("PUB q.work 1\r\nH\r\n".repeat(n));
  assert.deepEqual((await readMsgs(onLeaf, n)).map((m) => m.payload), Array(n).fill("L"));
  assert.deepEqual((await readMsgs(onHub, n)).map((m) => m.payload), Array(n).fill("H"));
  assert.equal(await onLeaf.barrier(), "");
  assert.equal(await onHub.barrier(), "");

  // A plain subscriber next to the group on the hub: one frame carries both.
  await onHub.send("SUB q.work 7\r\n");
  await onHub.barrier();
  await onLeaf.send("UNSUB 6\r\n");
  await onLeaf.barrier();
  await waitUntil("the leaf's queue member to be gone from the hub", async () => {
    const z = await leafz(hub);
    return !(z.leafs ?? []).some((l) => (l.subscriptions_list ?? []).includes("q.work"));
  });
  await pubLeaf.send("PUB q.work 1\r\nF\r\n".repeat(5));
  const got = await readMsgs(onHub, 10);
  assert.equal(got.filter((m) => m.sid === "5").length, 5, "the hub's member takes every one");
  assert.equal(got.filter((m) => m.sid === "7").length, 5, "the plain subscriber gets each once");
  assert.equal(await onHub.barrier(), "");
  await onHub.send("UNSUB 7\r\n");
  await onHub.barrier();
}

async function requestReply(hub: Node, leaf: Node): Promise<void> {
  const ncHub: NatsConnection = await connect({ servers: hub.url, timeout: 5000 });
  const ncLeaf: NatsConnection = await connect({ servers: leaf.url, timeout: 5000 });
  try {
    ncHub.subscribe("svc.on-hub", {
      callback: (_err, m) => void m.respond(enc.encode(`hub:${dec.decode(m.data)}`)),
    });
    ncLeaf.subscribe("svc.on-leaf", {
      callback: (_err, m) => void m.respond(enc.encode(`leaf:${dec.decode(m.data)}`)),
    });
    await ncHub.flush();
    await ncLeaf.flush();
    await waitForInterest(leaf, "svc.on-hub");
    await waitForInterest(hub, "svc.on-leaf");
    const r1 = await ncLeaf.request("svc.on-hub", enc.encode("ping"), { timeout: 5000 });
    assert.equal(dec.decode(r1.data), "hub:ping");
    const r2 = await ncHub.request("svc.on-leaf", enc.encode("pong"), { timeout: 5000 });
    assert.equal(dec.decode(r2.data), "leaf:pong");
  } finally {
    await ncHub.close();
    await ncLeaf.close();
  }
}

async function leafzFields(hub: Node, leaf: Node): Promise<void> {
  const onHub = (await leafz(hub)).leafs![0];
  const onLeaf = (await leafz(leaf)).leafs![0];
  for (const l of [onHub, onLeaf]) {
    assert.equal(l.account, "$G");
    assert.equal(l.ip, "127.0.0.1");
    assert.match(l.rtt, /^[0-9.]+(ns|µs|ms|s)$/);
    assert.ok(l.in_msgs > 0 && l.out_msgs > 0 && l.in_bytes > 0 && l.out_bytes > 0);
    assert.ok(l.subscriptions >= 1);
    assert.equal(l.subscriptions, l.subscriptions_list!.length);
  }
  assert.equal(onLeaf.port, hub.ports.leaf, "the leaf sees the hub's leaf port");
  assert.ok(onHub.port > 0 && onHub.port !== leaf.ports.client);
  // name and is_spoke are 2.10 fields: Skiff reports them, nats-server 2.9.10 does not.
  if (hub.isSkiff) {
    assert.equal(onHub.name, "leaf");
    assert.equal(onHub.is_spoke, false);
  }
  if (leaf.isSkiff) {
    assert.equal(onLeaf.name, "hub");
    assert.equal(onLeaf.is_spoke, true);
  }
}

async function hubRestart(hub: Node, leaf: Node): Promise<void> {
  await using onLeaf = await RawClient.open(leaf.ports.client);
  await onLeaf.send("SUB before.outage 10\r\n");
  await onLeaf.barrier();
  await waitForInterest(hub, "before.outage");

  await hub.stop();
  await waitForLeafs(leaf, 0);
  // The leaf keeps serving its own clients while the hub is away...
  await using local = await RawClient.open(leaf.ports.client);
  await local.send("PUB before.outage 5\r\nlocal\r\n");
  await onLeaf.expect("MSG before.outage 10 5\r\nlocal\r\n", 5000);
  // ...and takes new subscriptions, which must reach the hub once it is back.
  await onLeaf.send("SUB during.outage 11\r\n");
  await onLeaf.barrier();

  await hub.restart();
  await waitForLeafs(hub, 1, 20_000);
  await waitForInterest(hub, "during.outage");
  await waitForInterest(hub, "before.outage");
  await using onHub = await RawClient.open(hub.ports.client);
  await onHub.send("PUB during.outage 3\r\nnew\r\nPUB before.outage 3\r\nold\r\n");
  await onLeaf.expect("MSG during.outage 11 3\r\nnew\r\n", 5000);
  await onLeaf.expect("MSG before.outage 10 3\r\nold\r\n", 5000);

  // And the hub's new interest reaches the leaf.
  await onHub.send("SUB after.restart 1\r\n");
  await onHub.barrier();
  await waitForInterest(leaf, "after.restart");
  await local.send("PUB after.restart 2\r\nok\r\n");
  await onHub.expect("MSG after.restart 1 2\r\nok\r\n", 5000);
}
