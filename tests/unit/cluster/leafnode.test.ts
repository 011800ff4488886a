import assert from "node:assert/strict";
import { Account } from "../../../src/accounts/account.ts";
import { LeafConnection } from "../../../src/cluster/leafnode.ts";
import type { SolicitedLink } from "../../../src/cluster/solicit.ts";
import type { LeafRemoteConfig } from "../../../src/cluster/leaf_config.ts";
import { deliverToMatches } from "../../../src/pubsub/deliver.ts";
import { msgArgsOf } from "../../../src/pubsub/msg_args.ts";
import { Subscription } from "../../../src/pubsub/subscription.ts";
import { FakeHost, PipeConn, Recorder, settle } from "./_fake_link.ts";

const enc = new TextEncoder();

/** An accepted link that completed its handshake; the INFO/CONNECT exchange is consumed. */
async function acceptedLink(account = new Account("$G")) {
  const host = new FakeHost(account);
  const conn = new PipeConn();
  const link = new LeafConnection(7, conn, host, null);
  const running = link.run();
  conn.feed('CONNECT {"version":"2.9.10","name":"edge","headers":true}\r\n');
  await settle();
  const handshake = conn.take();
  return { host, conn, link, running, account, handshake };
}

function publish(account: Account, subject: string, payload: string, reply: string | null = null) {
  const args = msgArgsOf(subject, reply, null, enc.encode(payload));
  return deliverToMatches(account.sublist.match(subject), args, null);
}

Deno.test("leaf link (hub side): INFO first, then the second INFO, our interest and a PING", async () => {
  const account = new Account("$G");
  const host = new FakeHost(account);
  const conn = new PipeConn();
  const link = new LeafConnection(7, conn, host, null);
  const running = link.run();
  await settle();
  const info = JSON.parse(/^INFO (\{.*\}) \r\n$/.exec(conn.take())![1]);
  assert.equal(info.client_id, 7);
  assert.deepEqual(info.leafnode_urls, ["127.0.0.1:7422"]);
  assert.equal(info.auth_required, true);
  assert.equal(info.headers, true);
  assert.equal(info.info_on_connect, true);
  assert.equal(typeof info.nonce, "string");
  conn.feed('CONNECT {"version":"2.9.10","name":"edge","headers":true}\r\n');
  await settle();
  const out = conn.take();
  const second = JSON.parse(/^INFO (\{.*\}) \r\n/.exec(out)![1]);
  assert.equal(second.connect_info, true);
  assert.equal(second.remote_account, "$G");
  assert.match(out, /\r\nLS\+ \$LDS\.[A-Za-z0-9]{22}\r\nPING\r\n$/);
  assert.equal(link.remoteName, "edge");
  assert.equal(link.spoke, false);
  assert.deepEqual(host.active, [link]);
  conn.close();
  await running;
});

Deno.test("leaf link (hub side): a client's CONNECT, or anything before CONNECT, is refused", async () => {
  for (
    const [input, err] of [
      ['CONNECT {"lang":"go","verbose":false}\r\n', "attempted to connect to leaf node port"],
      ["PING\r\n", "Authorization Violation"],
      ["LS+ foo\r\n", "Authorization Violation"],
    ]
  ) {
    const host = new FakeHost(new Account("$G"));
    const conn = new PipeConn();
    const link = new LeafConnection(1, conn, host, null);
    const running = link.run();
    await settle();
    conn.take();
    conn.feed(input);
    await running;
    assert.ok(link.closed);
    await settle();
    assert.equal(conn.take(), `-ERR '${err}'\r\n`, input);
    assert.ok(conn.closed);
  }
  const host = new FakeHost(new Account("$G"));
  host.binding = null;
  const conn = new PipeConn();
  const link = new LeafConnection(1, conn, host, null);
  const running = link.run();
  conn.feed('CONNECT {"user":"x","pass":"y"}\r\n');
  await running;
  assert.match(conn.take(), /-ERR 'Authorization Violation'\r\n$/);
});

Deno.test("leaf link: the peer's interest becomes one subscription per subject and queue", async () => {
  const { conn, link, running, account } = await acceptedLink();
  conn.feed("LS+ foo\r\nLS+ foo\r\nLS+ bar q 1\r\nLS+ bar q 3\r\nLS+ bar r 1\r\n");
  await settle();
  assert.equal(link.numSubs, 3);
  assert.equal(account.sublist.count, 3);
  conn.feed("LS- bar q\r\nLS- nothing\r\n");
  await settle();
  assert.deepEqual(link.subscriptionSubjects.sort(), ["bar", "foo"]);
  conn.close();
  await running;
  assert.equal(account.sublist.count, 0, "closing removes the peer's subscriptions");
});

Deno.test("leaf link: a message matching several of its subscriptions crosses once", async () => {
  const { conn, running, account } = await acceptedLink();
  conn.feed("LS+ foo.*\r\nLS+ foo.>\r\nLS+ foo.x\r\nLS+ foo.x q1 1\r\nLS+ foo.x q2 1\r\n");
  await settle();
  publish(account, "foo.x", "hi");
  publish(account, "foo.y", "yo", "_INBOX.1");
  await settle();
  // Plain interest plus both queue groups (no member here): one frame naming both groups.
  const out = conn.take();
  const frames = out.match(/^LMSG [^\r]*/gm)!;
  assert.equal(frames.length, 2, out);
  assert.match(frames[0], /^LMSG foo\.x \| q(1 q2|2 q1) 2$/);
  assert.equal(frames[1], "LMSG foo.y _INBOX.1 2");
  conn.close();
  await running;
});

Deno.test("leaf link: a queue group prefers a local member; the link is the fallback", async () => {
  const { conn, running, account } = await acceptedLink();
  conn.feed("LS+ work grp 1\r\n");
  await settle();
  const local = new Recorder(100);
  const member = new Subscription(local, "work", "grp", "9");
  account.addSubscription(member);
  for (let i = 0; i < 20; i++) publish(account, "work", `m${i}`);
  await settle();
  assert.equal(local.got.length, 20, "every message stayed local");
  assert.ok(!conn.take().includes("LMSG"));
  account.removeSubscription(member);
  publish(account, "work", "late");
  await settle();
  // The local member's interest is withdrawn; the link now takes the group's messages.
  assert.equal(conn.take(), "LS- work grp\r\nLMSG work | grp 4\r\nlate\r\n");
  conn.close();
  await running;
});

Deno.test("leaf link: messages from the peer reach plain subscribers, and named queue groups only", async () => {
  const { conn, running, account, host } = await acceptedLink();
  const plain = new Recorder(101);
  const worker = new Recorder(102);
  account.addSubscription(new Subscription(plain, "in.>", null, "1"));
  account.addSubscription(new Subscription(worker, "in.x", "grp", "2"));
  conn.feed("LMSG in.x 1\r\na\r\nLMSG in.x | grp 1\r\nb\r\nLMSG in.x + r other 1\r\nc\r\n");
  await settle();
  assert.deepEqual(plain.got, ["1:in.x:a", "1:in.x:b", "1:in.x:c"]);
  assert.deepEqual(worker.got, ["2:in.x:b"]);
  assert.equal(host.stats.inMsgs, 3);
  // Nothing goes back over the link it came from.
  assert.ok(!conn.take().includes("LMSG"));
  conn.close();
  await running;
});

Deno.test("leaf link: hearing its own loop-detection subject means a loop", async () => {
  const { conn, link, running, host, account } = await acceptedLink();
  const lds = host.interestFor(account).lds;
  conn.feed(`LS+ ${lds}\r\n`);
  await running;
  assert.equal(
    conn.take(),
    `-ERR 'Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s'\r\n`,
  );
  assert.ok(link.closed);
  assert.ok(host.logs.some((l) => l.includes("[ERR]") && l.includes("Loop detected")));
});

function remoteConfig(extra: Partial<LeafRemoteConfig> = {}): LeafRemoteConfig {
  return {
    urls: [{ host: "hub", port: 7422, user: "me", pass: "pw" }],
    account: "$G",
    denyImports: [],
    denyExports: [],
    hub: false,
    noRandomize: true,
    ...extra,
  };
}

function solicited(account: Account, config = remoteConfig()) {
  const learned: string[][] = [];
  const delays: number[] = [];
  const link: SolicitedLink = {
    config,
    url: config.urls[0],
    account,
    learnUrls: (u) => learned.push([...u]),
    delayNext: (ms) => delays.push(ms),
  };
  return { link, learned, delays };
}

Deno.test("leaf link (leaf side): an INFO without client_id or leafnode_urls is the wrong port", async () => {
  const account = new Account("$G");
  const host = new FakeHost(account);
  const conn = new PipeConn();
  const link = new LeafConnection(3, conn, host, solicited(account).link);
  const running = link.run();
  conn.feed('INFO {"server_id":"NCLIENTPORT","client_id":5}\r\n');
  await running;
  assert.equal(link.closeReason, "Wrong Port");
  assert.equal(conn.take(), "", "no CONNECT went to a client port");
  assert.ok(host.logs.some((l) => l.includes("attempted to connect to wrong port")));
});

Deno.test("leaf link (leaf side): CONNECT without lang, then our interest once the hub confirms", async () => {
  const account = new Account("$G");
  const host = new FakeHost(account);
  const conn = new PipeConn();
  const s = solicited(account, remoteConfig({ denyImports: ["secret.>"], hub: false }));
  const link = new LeafConnection(3, conn, host, s.link);
  const running = link.run();
  const info = {
    server_id: "NHUB",
    server_name: "hub",
    client_id: 9,
    headers: true,
    nonce: "n",
    info_on_connect: true,
    leafnode_urls: ["10.0.0.1:7422"],
  };
  conn.feed(`INFO ${JSON.stringify(info)}\r\n`);
  await settle();
  const connect = JSON.parse(/^CONNECT (\{.*\})\r\n$/.exec(conn.take())![1]);
  assert.equal(connect.lang, undefined);
  assert.equal(connect.headers, true);
  assert.equal(connect.user, "me");
  assert.equal(connect.pass, "pw");
  assert.equal(connect.name, "test");
  assert.deepEqual(connect.deny_pub, ["secret.>"]);
  assert.deepEqual(s.learned, [["10.0.0.1:7422"]]);
  assert.equal(link.active, false);
  conn.feed(`INFO ${JSON.stringify({ ...info, connect_info: true, remote_account: "$G" })}\r\n`);
  await settle();
  assert.equal(link.active, true);
  assert.equal(link.spoke, true);
  assert.equal(link.remoteName, "hub");
  assert.match(conn.take(), /^LS\+ \$LDS\.\S+\r\nPING\r\n$/);
  // deny_imports: no LS+ for what we refuse to take.
  account.addSubscription(new Subscription(new Recorder(5), "secret.a", null, "1"));
  account.addSubscription(new Subscription(new Recorder(6), "public.a", null, "2"));
  await settle();
  assert.equal(conn.take(), "LS+ public.a\r\n");
  // A loop reported by the hub delays our next attempt.
  conn.feed(
    `-ERR 'Loop detected for leafnode account="$G". Delaying attempt to reconnect for 30s'\r\n`,
  );
  await running;
  assert.deepEqual(s.delays, [30_000]);
});

Deno.test("leaf link: a link that stops taking data is cut as a slow consumer, publishers go on", async () => {
  const { conn, link, running, account, host } = await acceptedLink();
  host.options = { ...host.options, maxPending: 64 * 1024 };
  conn.feed("LS+ bulk\r\n");
  await settle();
  conn.stuck = true;
  const payload = "x".repeat(1024);
  let delivered = 0;
  for (let i = 0; i < 200 && !link.closed; i++) {
    delivered += publish(account, "bulk", payload);
    await settle(); // let the flush start the (never finishing) write
  }
  assert.ok(link.closed, "the link was cut");
  assert.equal(link.closeReason, "Slow Consumer (Pending Bytes)");
  assert.ok(delivered < 200);
  assert.equal(host.stats.slowConsumers, 1);
  assert.equal(account.sublist.count, 0, "its interest went with it");
  await running;
});
