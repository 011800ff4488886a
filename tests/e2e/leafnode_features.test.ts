/**
 * Leaf node behaviour beyond the pairing matrix: the leaf port's answers to clients, leaf
 * authorization binding accounts, deny_imports/deny_exports, a hub relaying between two
 * leaves, loop detection, a dead hub cut by PING without stalling local clients, and the
 * monitoring views (/varz, /metrics, the ports file). Skiff nodes unless a case compares with
 * nats-server (skipped when it is not installed). Waits poll observable state with deadlines.
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { freePort } from "../_helpers/server.ts";
import {
  annotateNodes,
  disposeAll,
  HAVE_NATS_SERVER,
  leafz,
  type Node,
  type NodeKind,
  type NodeSpec,
  RUNNING_SKIFF,
  startNode,
  waitForInterest,
  waitForLeafs,
  waitUntil,
} from "../_helpers/cluster.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Starts the nodes in order, runs `body`, and always disposes of them. */
async function withNodes(
  specs: ((started: Node[]) => NodeSpec)[],
  body: (nodes: Node[]) => Promise<void>,
): Promise<void> {
  const nodes: Node[] = [];
  try {
    for (const spec of specs) nodes.push(await startNode(spec(nodes)));
    await body(nodes);
  } catch (err) {
    throw annotateNodes(err, ...nodes);
  } finally {
    await disposeAll(...nodes);
  }
}

for (const kind of ["skiff", "nats"] as NodeKind[]) {
  Deno.test({
    name:
      `leafnode port (${kind}): a client's CONNECT gets 'attempted to connect to leaf node port'`,
    ignore: kind === "nats" && !HAVE_NATS_SERVER,
    fn: () =>
      withNodes([() => ({ kind, name: "hub", hub: true })], async ([hub]) => {
        await using c = await RawClient.connect(hub.ports.leaf);
        const info = await c.readInfo();
        assert.ok(typeof info.client_id === "number" && info.client_id > 0);
        assert.ok(Array.isArray(info.leafnode_urls) && info.leafnode_urls.length > 0);
        assert.equal(info.auth_required, true);
        assert.equal(info.headers, true);
        assert.equal(typeof info.nonce, "string");
        await c.send(`CONNECT {"lang":"deno","version":"1.0","verbose":false}\r\nPING\r\n`);
        await c.expect("-ERR 'attempted to connect to leaf node port'\r\n");
        await c.expectClosed();

        await using early = await RawClient.connect(hub.ports.leaf);
        await early.readInfo();
        await early.send("PING\r\n");
        await early.expect("-ERR 'Authorization Violation'\r\n");
        await early.expectClosed();
      }),
  });
}

Deno.test("leafnode authorization: a user binds the link to its account; a bad password is refused", () =>
  withNodes([
    () => ({
      kind: "skiff",
      name: "hub",
      hub: true,
      leafExtra: `  authorization { users: [ { user: edge, password: s3cret, account: EDGE } ] }`,
      extra: `accounts { EDGE { users: [ { user: app, password: app } ] } }`,
    }),
    ([hub]) => ({ kind: "skiff", name: "leaf", remotes: [{ hub, credentials: "edge:s3cret" }] }),
    ([hub]) => ({ kind: "skiff", name: "intruder", remotes: [{ hub, credentials: "edge:wrong" }] }),
  ], async ([hub, leaf, intruder]) => {
    const z = await waitForLeafs(hub, 1);
    assert.equal(z.leafs![0].account, "EDGE");
    if (hub.isSkiff) assert.equal(z.leafs![0].name, "leaf");
    await waitUntil(
      "the hub to refuse the intruder",
      () => hub.output().includes("authentication error"),
    );
    await waitUntil(
      "the intruder to log the refusal",
      () => intruder.output().includes("Authorization Violation"),
    );
    // Traffic flows in the bound account only.
    await using app = await RawClient.open(hub.ports.client, {
      verbose: false,
      pedantic: false,
      user: "app",
      pass: "app",
      headers: true,
      protocol: 1,
    });
    await app.send("SUB edge.data 1\r\n");
    await app.barrier();
    await waitForInterest(leaf, "edge.data");
    await using dev = await RawClient.open(leaf.ports.client);
    await dev.send("PUB edge.data 2\r\nok\r\n");
    await app.expect("MSG edge.data 1 2\r\nok\r\n", 5000);
    assert.equal((await leafz(intruder)).leafs?.length ?? 0, 0);
  }));

Deno.test("leafnode remotes: deny_imports and deny_exports keep subjects on their side", () =>
  withNodes([
    () => ({ kind: "skiff", name: "hub", hub: true }),
    ([hub]) => ({
      kind: "skiff",
      name: "leaf",
      remotes: [{ hub, extra: `deny_imports: ["secret.>"], deny_exports: "private.>"` }],
    }),
  ], async ([hub, leaf]) => {
    await waitForLeafs(hub);
    await using onHub = await RawClient.open(hub.ports.client);
    await using onLeaf = await RawClient.open(leaf.ports.client);
    await onHub.send("SUB private.x 1\r\nSUB public.x 2\r\n");
    await onHub.barrier();
    await onLeaf.send("SUB secret.y 1\r\nSUB public.y 2\r\n");
    await onLeaf.barrier();
    await waitForInterest(hub, "public.y");
    await waitForInterest(leaf, "public.x");
    // The leaf does not ask for what it refuses to import...
    const hubSide = (await leafz(hub)).leafs![0].subscriptions_list!;
    assert.ok(!hubSide.includes("secret.y"), `hub sees ${hubSide}`);
    // ...and takes no interest in what it may not export. Frames on a link keep their order,
    // so a denied message would arrive before the allowed one that follows it.
    const leafSide = (await leafz(leaf)).leafs![0].subscriptions_list!;
    assert.ok(!leafSide.includes("private.x"), `leaf sees ${leafSide}`);
    await onLeaf.send("PUB private.x 2\r\nno\r\nPUB public.x 3\r\nyes\r\n");
    assert.equal(
      await onHub.expect(/^MSG \S+ \d+ \d+\r\n\S+\r\n/, 5000),
      "MSG public.x 2 3\r\nyes\r\n",
    );
    await onHub.send("PUB secret.y 2\r\nno\r\nPUB public.y 3\r\nyes\r\n");
    assert.equal(
      await onLeaf.expect(/^MSG \S+ \d+ \d+\r\n\S+\r\n/, 5000),
      "MSG public.y 2 3\r\nyes\r\n",
    );
  }));

Deno.test("leafnode hub: relays between two leaves, queue groups included", () =>
  withNodes([
    () => ({ kind: "skiff", name: "hub", hub: true }),
    ([hub]) => ({ kind: "skiff", name: "east", remotes: [{ hub }] }),
    ([hub]) => ({ kind: "skiff", name: "west", remotes: [{ hub }] }),
  ], async ([hub, east, west]) => {
    await waitForLeafs(hub, 2);
    await using onEast = await RawClient.open(east.ports.client);
    await using onWest = await RawClient.open(west.ports.client);
    await onEast.send("SUB relay.plain 1\r\nSUB relay.work grp 2\r\n");
    await onEast.barrier();
    await waitForInterest(west, "relay.plain");
    await waitForInterest(west, "relay.work");
    await onWest.send("PUB relay.plain 1\r\na\r\nPUB relay.work 1\r\nb\r\n");
    await onEast.expect("MSG relay.plain 1 1\r\na\r\n", 5000);
    await onEast.expect("MSG relay.work 2 1\r\nb\r\n", 5000);
    assert.equal(await onEast.barrier(), "");
  }));

Deno.test("leafnode loops: two servers soliciting each other detect the loop and back off", () => {
  // a's leaf port is chosen first so b's remote can name it before a runs.
  const aLeafPort = freePort();
  return withNodes([
    () => ({
      kind: "skiff",
      name: "b",
      hub: true,
      remotes: [{ hub: { ports: { leaf: aLeafPort } } }],
    }),
    ([b]) => ({
      kind: "skiff",
      name: "a",
      hub: true,
      ports: { leaf: aLeafPort },
      remotes: [{ hub: b }],
    }),
  ], async ([b, a]) => {
    const text = 'Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s';
    await waitUntil(
      "a loop to be reported",
      () => a.output().includes(text) || b.output().includes(text),
      15_000,
    );
    // The new link is refused (and not redialled for 30s); the older one stays up.
    await waitForLeafs(a, 1);
    await waitForLeafs(b, 1);
    // Skiff keeps the older link (a's to b); nats-server keeps whichever lost the race.
    if (a.isSkiff) {
      assert.equal((await leafz(a)).leafs![0].port, b.ports.leaf, "a's link to b survives");
    }
  });
});

/** A hub that completes the handshake and then never answers again. */
function silentHub(listener: Deno.Listener) {
  const conns: { conn: Deno.Conn; text: string; closed: boolean }[] = [];
  const serve = async (conn: Deno.Conn, n: number) => {
    const rec = { conn, text: "", closed: false };
    conns.push(rec);
    const port = (listener.addr as Deno.NetAddr).port;
    const info = {
      server_id: "NFAKEHUB",
      server_name: "silent",
      version: "2.9.10",
      proto: 1,
      headers: true,
      auth_required: true,
      max_payload: 1048576,
      client_id: n,
      nonce: "abc",
      info_on_connect: true,
      leafnode_urls: [`127.0.0.1:${port}`],
    };
    try {
      await conn.write(enc.encode(`INFO ${JSON.stringify(info)}\r\n`));
      const buf = new Uint8Array(4096);
      let answered = false;
      for (;;) {
        const r = await conn.read(buf);
        if (r === null) break;
        rec.text += dec.decode(buf.subarray(0, r));
        if (!answered && rec.text.includes("CONNECT ")) {
          answered = true;
          const done = { ...info, connect_info: true, remote_account: "$G" };
          await conn.write(enc.encode(`INFO ${JSON.stringify(done)}\r\n`));
        }
      }
    } catch { /* the leaf cut the link */ }
    rec.closed = true;
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const loop = (async () => {
    let n = 1;
    try {
      for await (const conn of listener) serve(conn, n++);
    } catch { /* listener closed */ }
  })();
  return {
    conns,
    async close() {
      listener.close();
      await loop;
      for (const c of conns) {
        try {
          c.conn.close();
        } catch { /* closed */ }
      }
    },
  };
}

Deno.test("leafnode keepalive: a silent hub is cut by PING and redialled; local clients go on", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const hub = silentHub(listener);
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await withNodes([
      () => ({
        kind: "skiff",
        name: "leaf",
        remotes: [{ hub: { ports: { leaf: port } } }],
        extra: `ping_interval: "300ms"\nping_max: 2`,
      }),
    ], async ([leaf]) => {
      await waitUntil(
        "the leaf to finish its handshake",
        () => hub.conns.length > 0 && hub.conns[0].text.includes("LS+ $LDS."),
      );
      const first = hub.conns[0];
      assert.ok(!first.text.includes('"lang"'), "a leaf's CONNECT carries no lang");
      // Local traffic is unaffected while the link is dying.
      await using sub = await RawClient.open(leaf.ports.client);
      await using pub = await RawClient.open(leaf.ports.client);
      await sub.send("SUB local.x 1\r\n");
      await sub.barrier();
      await pub.send("PUB local.x 2\r\nok\r\n");
      await sub.expect("MSG local.x 1 2\r\nok\r\n");
      await waitUntil("the stale link to be cut", () => first.closed, 5000);
      assert.match(first.text, /PING\r\n[\s\S]*-ERR 'Stale Connection'\r\n/);
      await waitUntil("the leaf to dial again", () => hub.conns.length >= 2, 10_000);
      await waitUntil(
        "the leaf to log why",
        () => leaf.output().includes("Leafnode connection closed: Stale Connection"),
      );
      await pub.send("PUB local.x 2\r\nok\r\n");
      await sub.expect("MSG local.x 1 2\r\nok\r\n");
    });
  } finally {
    await hub.close();
  }
});

Deno.test({
  name: "leafnode monitoring: /varz, /leafz filters, /metrics and the ports file",
  // /metrics, the ports file's leaf entry and the remotes' deny block are Skiff's.
  ignore: !RUNNING_SKIFF,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-leaf-ports-" });
  try {
    await withNodes([
      () => ({
        kind: "skiff",
        name: "hub",
        hub: true,
        extra: `ports_file_dir: ${JSON.stringify(dir)}`,
      }),
      ([hub]) => ({
        kind: "skiff",
        name: "leaf",
        remotes: [{ hub, extra: `deny_exports: ["x.>"]` }],
      }),
    ], async ([hub, leaf]) => {
      await waitForLeafs(hub);
      await waitForLeafs(leaf);
      const v = await hub.monitor<{ leafnodes: number; leaf: Record<string, unknown> }>("/varz");
      assert.equal(v.leafnodes, 1);
      assert.deepEqual(v.leaf, {
        host: "127.0.0.1",
        port: hub.ports.leaf,
        auth_timeout: 2,
        tls_timeout: 2,
      });
      const lv = await leaf.monitor<{ leafnodes: number; leaf: Record<string, unknown> }>("/varz");
      assert.equal(lv.leafnodes, 1);
      assert.deepEqual(lv.leaf, {
        remotes: [{
          local_account: "$G",
          urls: [`127.0.0.1:${hub.ports.leaf}`],
          deny: { exports: ["x.>"] },
        }],
      });
      assert.deepEqual((await hub.monitor<{ leafs: unknown[] }>("/leafz?acc=NOPE")).leafs, []);
      const text = await hub.metricsText();
      assert.match(text, /^gnatsd_varz_leafnodes\{[^}]*\} 1$/m);
      assert.match(text, /^gnatsd_leafz_conn_nodes_total\{[^}]*\} 1$/m);
      assert.match(text, /^gnatsd_leafz_conn_in_msgs\{[^}]*name="leaf"[^}]*\} \d+$/m);
      const files = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.equal(files.length, 1);
      const ports = JSON.parse(await Deno.readTextFile(`${dir}/${files[0]}`));
      assert.deepEqual(ports.leafnode, [`nats-leaf://127.0.0.1:${hub.ports.leaf}`]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leafnode reload: a config reload that rebuilds the accounts keeps links and interest", () =>
  withNodes([
    () => ({ kind: "skiff", name: "hub", hub: true }),
    ([hub]) => ({ kind: "skiff", name: "leaf", remotes: [{ hub }] }),
  ], async ([hub, leaf]) => {
    const linkPort = (await waitForLeafs(hub)).leafs![0].port;
    await using onHub = await RawClient.open(hub.ports.client);
    await using onLeaf = await RawClient.open(leaf.ports.client);
    await onHub.send("SUB r.hub 1\r\n");
    await onHub.barrier();
    await onLeaf.send("SUB r.leaf 1\r\n");
    await onLeaf.barrier();
    await waitForInterest(leaf, "r.hub");
    await waitForInterest(hub, "r.leaf");
    await hub.reload(`accounts { OTHER: {} }`);
    await waitUntil(
      "the hub to reload",
      () => hub.output().includes("Reloaded server configuration"),
    );
    await onLeaf.send("PUB r.hub 2\r\nok\r\n");
    await onHub.expect("MSG r.hub 1 2\r\nok\r\n", 5000);
    await onHub.send("PUB r.leaf 2\r\nok\r\n");
    await onLeaf.expect("MSG r.leaf 1 2\r\nok\r\n", 5000);
    // Interest made after the reload crosses too.
    await onHub.send("SUB r.after 2\r\n");
    await onHub.barrier();
    await waitForInterest(leaf, "r.after");
    assert.equal((await leafz(hub)).leafs![0].port, linkPort, "the same link, not a new one");
  }));

Deno.test({
  name: "leafnode hub: a leaf that reconnects replaces its half-open old link",
  // nats-server 2.9.10 does the same, but only for leaves that send remote_account (2.10+).
  ignore: !RUNNING_SKIFF,
}, () =>
  withNodes([() => ({ kind: "skiff", name: "hub", hub: true })], async ([hub]) => {
    const connect = 'CONNECT {"version":"2.9.10","name":"edge","remote_account":"$G"}\r\n';
    await using old = await RawClient.connect(hub.ports.leaf);
    await old.readInfo();
    await old.send(connect);
    await old.expect(/"connect_info":true/);
    await waitForLeafs(hub, 1);
    await using fresh = await RawClient.connect(hub.ports.leaf);
    await fresh.readInfo();
    await fresh.send(connect);
    await fresh.expect(/"connect_info":true/);
    await old.expect("-ERR 'Duplicate Remote LeafNode Connection'\r\n");
    await old.expectClosed();
    const z = await waitForLeafs(hub, 1);
    assert.equal(z.leafs![0].name, "edge");
    await waitUntil("the hub to log it", () =>
      hub.output().includes("Replacing connection from same server"));
  }));
