import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/conf_parser.ts";
import { readAccountsConfig } from "../../../src/accounts/config.ts";
import { Accounts } from "../../../src/accounts/registry.ts";
import type { Account } from "../../../src/accounts/account.ts";
import { publishInAccount } from "../../../src/accounts/imports.ts";
import { type InboundMsg, InternalClient } from "../../../src/conn/internal.ts";
import { msgArgsOf } from "../../../src/pubsub/msg_args.ts";

const CONF = `
accounts {
  A: {
    exports: [
      { stream: "events.>" }
      { service: "svc.echo" }
      { service: "svc.feed", response_type: stream }
      { stream: "private.>", accounts: [C] }
    ]
  }
  B: {
    imports: [
      { stream: { account: A, subject: "events.>" }, prefix: "fromA" }
      { service: { account: A, subject: "svc.echo" }, to: "echo" }
      { service: { account: A, subject: "svc.feed" } }
    ]
  }
  C: { imports: [ { stream: { account: A, subject: "private.>" } } ] }
}
`;

async function accounts(): Promise<Accounts> {
  return new Accounts(readAccountsConfig(await parseConfig(CONF, "test.conf")));
}

function listen(account: Account, subject: string): InboundMsg[] {
  const got: InboundMsg[] = [];
  new InternalClient(1, "test", account).subscribe(subject, (m) => got.push(m));
  return got;
}

function publish(account: Account, subject: string, reply: string | null, data = "x"): number {
  const args = msgArgsOf(subject, reply, null, new TextEncoder().encode(data));
  return publishInAccount(account, args, subject, null);
}

Deno.test("imports: a stream import delivers the exporter's messages under the prefix", async () => {
  const accs = await accounts();
  const inB = listen(accs.get("B")!, "fromA.events.>");
  const inA = listen(accs.get("A")!, "events.>");
  publish(accs.get("A")!, "events.order.created", null, "payload");
  assert.deepEqual(inB.map((m) => m.subject), ["fromA.events.order.created"]);
  assert.equal(new TextDecoder().decode(inB[0].data), "payload");
  assert.equal(inA.length, 1, "the exporter's own subscribers still get it");
  publish(accs.get("B")!, "events.order.created", null);
  assert.equal(inA.length, 1, "nothing flows back from importer to exporter");
});

Deno.test("imports: accounts stay isolated without an import", async () => {
  const accs = await accounts();
  const inC = listen(accs.get("C")!, ">");
  publish(accs.get("B")!, "private.x", null);
  publish(accs.get("$G")!, "private.x", null);
  assert.equal(inC.length, 0);
  publish(accs.get("A")!, "private.x", null);
  assert.deepEqual(inC.map((m) => m.subject), ["private.x"]);
});

Deno.test("imports: a service request is answered once for a singleton service", async () => {
  const accs = await accounts();
  const a = accs.get("A")!;
  const b = accs.get("B")!;
  const requests = listen(a, "svc.echo");
  const replies = listen(b, "_INBOX.>");
  publish(b, "echo", "_INBOX.1", "ping");
  assert.equal(requests.length, 1);
  assert.equal(requests[0].subject, "svc.echo");
  assert.match(requests[0].reply, /^_R_\./, "the requester's inbox is not exposed to A");
  publish(a, requests[0].reply, null, "pong");
  publish(a, requests[0].reply, null, "pong again");
  assert.deepEqual(replies.map((m) => [m.subject, new TextDecoder().decode(m.data)]), [
    ["_INBOX.1", "pong"],
  ]);
});

Deno.test("imports: a stream service may answer many times; unknown reply tokens go nowhere", async () => {
  const accs = await accounts();
  const a = accs.get("A")!;
  const b = accs.get("B")!;
  const requests = listen(a, "svc.feed");
  const replies = listen(b, "_INBOX.>");
  publish(b, "svc.feed", "_INBOX.2");
  for (let i = 0; i < 3; i++) publish(a, requests[0].reply, null, String(i));
  assert.equal(replies.length, 3);
  publish(a, requests[0].reply.replace(/\.[^.]+$/, ".unknown"), null);
  assert.equal(replies.length, 3);
});
