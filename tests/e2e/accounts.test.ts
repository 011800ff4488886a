/**
 * Accounts with exports and imports, through the official client: a stream import delivers the
 * exporter's messages under a prefix, a service import answers requests across accounts, and
 * nothing else crosses.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { serverTest } from "../_helpers/suite.ts";

const CONFIG = `
accounts {
  A: {
    users: [ { user: a, password: a } ]
    exports: [ { stream: "events.>" }, { service: "svc.echo" } ]
  }
  B: {
    users: [ { user: b, password: b } ]
    imports: [
      { stream: { account: A, subject: "events.>" }, prefix: "fromA" }
      { service: { account: A, subject: "svc.echo" }, to: "echo" }
    ]
  }
}
`;

const enc = new TextEncoder();
const dec = new TextDecoder();

async function userConn(url: string, user: string): Promise<NatsConnection> {
  return await connect({ servers: url, user, pass: user });
}

serverTest("accounts: stream and service imports cross accounts, nothing else does", {
  config: CONFIG,
}, async (srv) => {
  const a = await userConn(srv.url, "a");
  const b = await userConn(srv.url, "b");
  try {
    const got: string[] = [];
    const sub = b.subscribe(">", {
      callback: (_e, m) => {
        got.push(`${m.subject}=${dec.decode(m.data)}`);
      },
    });
    await b.flush();

    a.publish("events.order.created", enc.encode("1"));
    a.publish("private.x", enc.encode("2"));
    await a.flush();

    // A service in A answers B's requests on B's own subject.
    const svc = a.subscribe("svc.echo", {
      callback: (_e, m) => {
        m.respond(enc.encode(`echo:${dec.decode(m.data)}`));
      },
    });
    await a.flush();
    const reply = await b.request("echo", enc.encode("hi"), { timeout: 3000 });
    assert.equal(dec.decode(reply.data), "echo:hi");

    // The stream import's message arrived; the private one did not.
    await b.flush();
    assert.ok(got.includes("fromA.events.order.created=1"), JSON.stringify(got));
    assert.ok(!got.some((g) => g.startsWith("private")), JSON.stringify(got));
    sub.unsubscribe();
    svc.unsubscribe();
  } finally {
    await a.close();
    await b.close();
  }
});
