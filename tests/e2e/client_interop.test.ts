/**
 * The official nats.js client (@nats-io/transport-node) against the server: the black-box
 * proof that a real client library works, beyond raw wire checks.
 */

import assert from "node:assert/strict";
import {
  connect,
  Empty,
  errors,
  headers,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { serverSuite } from "../_helpers/suite.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Collect up to `n` messages from a subscription, failing after `timeoutMs`. */
async function collect(sub: Subscription, n: number, timeoutMs = 5000): Promise<Msg[]> {
  const out: Msg[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`got ${out.length} of ${n} messages on ${sub.getSubject()}`)),
      timeoutMs,
    );
  });
  const reading = (async () => {
    for await (const m of sub) {
      out.push(m);
      if (out.length >= n) break;
    }
    return out;
  })();
  try {
    return await Promise.race([reading, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Open `count` connections, run `body`, always close them all. */
async function withClients(
  url: string,
  count: number,
  body: (ncs: NatsConnection[]) => Promise<void>,
): Promise<void> {
  const ncs: NatsConnection[] = [];
  try {
    for (let i = 0; i < count; i++) ncs.push(await connect({ servers: url, timeout: 5000 }));
    await body(ncs);
  } finally {
    for (const nc of ncs) await nc.close();
  }
}

serverSuite("official client interop", {}, (test) => {
  test("connects and sees the server INFO", async (srv) => {
    await withClients(srv.url, 1, async ([nc]) => {
      assert.match(nc.info?.server_id ?? "", /^N[A-Z2-7]{55}$/);
      assert.equal(nc.info?.headers, true);
      assert.equal(nc.info?.max_payload, 1048576);
      assert.equal(nc.info?.proto, 1);
      const rtt = await nc.rtt();
      assert.ok(rtt >= 0);
    });
  });

  test("pub/sub with '*' and '>' wildcards", async (srv) => {
    await withClients(srv.url, 2, async ([a, b]) => {
      const star = a.subscribe("ev.*");
      const gt = a.subscribe("ev.>");
      await a.flush();
      for (const s of ["ev.one", "ev.two.deep", "other"]) b.publish(s, enc.encode(s));
      await b.flush();
      const gotStar = await collect(star, 1);
      const gotGt = await collect(gt, 2);
      assert.deepEqual(gotStar.map((m) => m.subject), ["ev.one"]);
      assert.deepEqual(gotGt.map((m) => m.subject), ["ev.one", "ev.two.deep"]);
      assert.equal(gotGt[1].string(), "ev.two.deep");
    });
  });

  test("request/reply", async (srv) => {
    await withClients(srv.url, 2, async ([service, client]) => {
      service.subscribe("svc.upper", {
        callback: (_err, m) => {
          m.respond(enc.encode(m.string().toUpperCase()));
        },
      });
      await service.flush();
      const reply = await client.request("svc.upper", enc.encode("hello"), { timeout: 2000 });
      assert.equal(reply.string(), "HELLO");
      const again = await client.request("svc.upper", enc.encode("x"), {
        timeout: 2000,
        noMux: true,
      });
      assert.equal(again.string(), "X");
    });
  });

  test("queue group members share the messages", async (srv) => {
    await withClients(srv.url, 4, async ([m1, m2, m3, pub]) => {
      const counts = [0, 0, 0];
      const subs = [m1, m2, m3].map((nc, i) =>
        nc.subscribe("work", {
          queue: "workers",
          callback: () => {
            counts[i]++;
          },
        })
      );
      for (const nc of [m1, m2, m3]) await nc.flush();
      for (let i = 0; i < 300; i++) pub.publish("work", enc.encode(String(i)));
      await pub.flush();
      // Each member's flush is a barrier for what the server already sent it.
      for (const nc of [m1, m2, m3]) await nc.flush();
      assert.equal(counts[0] + counts[1] + counts[2], 300, `${counts}`);
      for (const c of counts) assert.ok(c > 0, `spread ${counts}`);
      for (const s of subs) s.unsubscribe();
    });
  });

  test("headers round trip with multiple values and case preserved", async (srv) => {
    await withClients(srv.url, 2, async ([a, b]) => {
      const sub = a.subscribe("hdr");
      await a.flush();
      const h = headers();
      h.append("X-Trace", "one");
      h.append("X-Trace", "two");
      h.set("lower-case-name", "v");
      b.publish("hdr", enc.encode("body"), { headers: h });
      await b.flush();
      const [m] = await collect(sub, 1);
      assert.equal(m.string(), "body");
      assert.deepEqual(m.headers?.values("X-Trace"), ["one", "two"]);
      assert.equal(m.headers?.get("lower-case-name"), "v");
      assert.ok([...(m.headers?.keys() ?? [])].includes("lower-case-name"));
    });
  });

  test("a request to a subject nobody serves fails with no responders (503)", async (srv) => {
    await withClients(srv.url, 1, async ([nc]) => {
      for (const noMux of [false, true]) {
        const err = await nc.request("nobody.home", Empty, { timeout: 2000, noMux }).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof Error, `expected a rejection, got ${err}`);
        const isNoResponders = err instanceof errors.NoRespondersError ||
          (err instanceof errors.RequestError && err.isNoResponders());
        assert.ok(isNoResponders, `expected no responders, got ${err.name}: ${err.message}`);
        assert.match(err.message, /no responders/i);
      }
    });
  });

  test("drain delivers pending messages then closes", async (srv) => {
    const sub1 = await connect({ servers: srv.url });
    const pub = await connect({ servers: srv.url });
    try {
      let got = 0;
      sub1.subscribe("drain.me", {
        callback: () => {
          got++;
        },
      });
      await sub1.flush();
      for (let i = 0; i < 100; i++) pub.publish("drain.me", Empty);
      await pub.flush();
      await sub1.drain();
      assert.equal(got, 100);
      assert.equal(sub1.isClosed(), true);
      assert.equal(await sub1.closed(), undefined, "closed without error");
    } finally {
      if (!sub1.isClosed()) await sub1.close();
      await pub.close();
    }
  });

  test("10,000 messages are all received in order", async (srv) => {
    await withClients(srv.url, 2, async ([a, b]) => {
      const n = 10_000;
      const sub = a.subscribe("bulk");
      await a.flush();
      const reading = collect(sub, n, 20_000);
      for (let i = 0; i < n; i++) b.publish("bulk", enc.encode(String(i)));
      await b.flush();
      const msgs = await reading;
      for (let i = 0; i < n; i++) {
        if (dec.decode(msgs[i].data) !== String(i)) {
          assert.fail(`message ${i} out of order: ${dec.decode(msgs[i].data)}`);
        }
      }
    });
  });

  test("the client enforces the max_payload the server advertises", async (srv) => {
    await withClients(srv.url, 1, ([nc]) => {
      const tooBig = new Uint8Array(1048577);
      assert.throws(() => nc.publish("big", tooBig), (e: Error) => /payload/i.test(e.message));
      return Promise.resolve();
    });
  });
});
