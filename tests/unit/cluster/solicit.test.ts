import assert from "node:assert/strict";
import { Backoff, Remote, type SolicitedLink } from "../../../src/cluster/solicit.ts";
import type { LeafRemoteConfig } from "../../../src/cluster/leaf_config.ts";
import { Account } from "../../../src/accounts/account.ts";
import { Logger } from "../../../src/server/logger.ts";
import { FakeConn } from "../_fakes/fake_conn.ts";

Deno.test("backoff: doubles from the base up to the cap, each wait in [d/2, d]", () => {
  const low = new Backoff(100, 1000, () => 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff(100, 1000, () => 0.999999);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => high.next()), [100, 200, 400, 800, 1000]);
  high.reset();
  assert.equal(high.next(), 100);
  assert.equal(high.attempt, 1);
});

Deno.test("backoff: jitter spreads a fleet's retries", () => {
  const waits = new Set<number>();
  for (let i = 0; i < 50; i++) waits.add(new Backoff(1000).next());
  assert.ok(waits.size > 10, "waits differ between remotes");
  for (const w of waits) assert.ok(w >= 500 && w <= 1000);
  assert.equal(new Backoff(1000).maxMs, 30_000);
  assert.equal(new Backoff(60_000).maxMs, 60_000, "a base above the cap is kept");
});

function config(urls: string[], extra: Partial<LeafRemoteConfig> = {}): LeafRemoteConfig {
  return {
    urls: urls.map((u) => {
      const [host, port] = u.split(":");
      return { host, port: Number(port), user: "u", pass: "p" };
    }),
    account: "$G",
    denyImports: [],
    denyExports: [],
    hub: false,
    noRandomize: true,
    ...extra,
  };
}

const quiet = new Logger({ pid: 1, debug: false, trace: false, logtime: false, write: () => {} });

interface Harness {
  remote: Remote;
  dialled: string[];
  links: { link: SolicitedLink; end: (active: boolean) => void }[];
  failFirst: number;
}

function harness(urls: string[], failFirst: number): Harness {
  const h: Harness = { remote: null!, dialled: [], links: [], failFirst };
  const account = new Account("$G");
  h.remote = new Remote(config(urls), 2, {
    logger: quiet,
    account: () => account,
    connect: (host, port) => {
      h.dialled.push(`${host}:${port}`);
      if (h.dialled.length <= h.failFirst) return Promise.reject(new Error("refused"));
      return Promise.resolve(new FakeConn());
    },
    startLink: (_conn, link) => {
      let end!: (active: boolean) => void;
      let wasActive = false;
      const done = new Promise<void>((resolve) => {
        end = (active) => {
          wasActive = active;
          resolve();
        };
      });
      h.links.push({ link, end });
      return {
        done,
        get wasActive() {
          return wasActive;
        },
      };
    },
  });
  return h;
}

async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

Deno.test("remote: dials the URLs in turn until one answers, then runs the link", async () => {
  const h = harness(["a:1", "b:2"], 3);
  h.remote.start();
  await until("a link", () => h.links.length === 1);
  assert.deepEqual(h.dialled, ["a:1", "b:2", "a:1", "b:2"]);
  assert.equal(h.links[0].link.url.host, "b");
  assert.equal(h.links[0].link.url.user, "u");
  assert.equal(h.remote.backoff.attempt, 3);
  // A link that completed its handshake starts the back-off over.
  h.links[0].end(true);
  await until("a second link", () => h.links.length === 2);
  assert.equal(h.remote.backoff.attempt, 1);
  const stopping = h.remote.stop();
  h.links[1].end(false);
  await stopping;
});

Deno.test("remote: learned URLs join the rotation, configured ones first, with their credentials", async () => {
  const h = harness(["a:1"], 0);
  h.remote.start();
  await until("a link", () => h.links.length === 1);
  h.links[0].link.learnUrls(["a:1", "c:3", "[::1]:4"]);
  assert.deepEqual(
    h.remote.urls.map((u) => `${u.host}:${u.port}:${u.user}`),
    ["a:1:u", "c:3:u", "::1:4:u"],
  );
  h.links[0].end(false);
  await until("the next dial", () => h.dialled.length === 2);
  assert.equal(h.dialled[1], "c:3");
  const stopping = h.remote.stop();
  for (const l of h.links) l.end(false);
  await stopping;
});

Deno.test("remote: a refusal that asks for a delay (a loop) holds the next attempt back", async () => {
  const h = harness(["a:1"], 0);
  h.remote.start();
  await until("a link", () => h.links.length === 1);
  h.links[0].link.delayNext(150);
  const ended = Date.now();
  h.links[0].end(true);
  await until("the next dial", () => h.dialled.length === 2, 3000);
  assert.ok(Date.now() - ended >= 140, `waited ${Date.now() - ended}ms`);
  const stopping = h.remote.stop();
  for (const l of h.links) l.end(false);
  await stopping;
});

Deno.test("remote: stop ends the retry loop while it waits", async () => {
  const h = harness(["a:1"], 1_000_000);
  h.remote.start();
  await until("a few attempts", () => h.dialled.length >= 2);
  await h.remote.stop();
  const n = h.dialled.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(h.dialled.length, n);
});
