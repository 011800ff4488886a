/**
 * Crash test: publish with many acknowledgements in flight, SIGKILL the server at a random
 * moment, restart it on the same store, and check that every message whose publish was
 * acknowledged is there, at its sequence, with its content. Twenty cycles, seeded.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type PubAck } from "@nats-io/jetstream";
import { startServer } from "../_helpers/server.ts";

const CYCLES = 20;
const IN_FLIGHT = 64;
const MAX_PER_CYCLE = 2000;

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("jetstream crash: every acknowledged message survives SIGKILL (20 cycles)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "skiff-crash-" });
  const rnd = mulberry32(20261123);
  /** seq -> payload of every acknowledged publish so far. */
  const acked = new Map<number, string>();
  let next = 0;
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const srv = await startServer(["-js", "-sd", dir]);
      const nc = await connect({ servers: srv.url, reconnect: false });
      const jsm = await jetstreamManager(nc);
      if (cycle === 0) await jsm.streams.add({ name: "CRASH", subjects: ["crash.>"] });

      // Everything acknowledged before this cycle must be back, in place. (More may be:
      // a message can be stored durably and its acknowledgement die with the process.)
      const info = await jsm.streams.info("CRASH");
      assert.ok(info.state.messages >= acked.size, `cycle ${cycle}: message count`);
      for (const [seq, payload] of sample(acked, 50, rnd)) {
        const m = await jsm.streams.getMessage("CRASH", { seq });
        assert.equal(m?.string(), payload, `cycle ${cycle}: seq ${seq}`);
      }

      // Publish with a window of acknowledgements in flight; kill after a random count.
      const js = jetstream(nc);
      const killAfter = 50 + Math.floor(rnd() * (MAX_PER_CYCLE - 50));
      const inflight = new Set<Promise<void>>();
      let sent = 0;
      let killed = false;
      while (!killed && sent < MAX_PER_CYCLE) {
        const payload = `msg-${next++}`;
        sent++;
        const p: Promise<void> = js.publish(`crash.${sent % 7}`, payload).then(
          (ack: PubAck) => {
            acked.set(ack.seq, payload);
          },
          () => {/* unacknowledged: may or may not be stored */},
        ).finally(() => inflight.delete(p));
        inflight.add(p);
        if (sent >= killAfter) {
          srv.kill("SIGKILL");
          killed = true;
        } else if (inflight.size >= IN_FLIGHT) {
          await Promise.race(inflight);
        }
      }
      await Promise.allSettled([...inflight]);
      await srv.exited;
      await nc.close().catch(() => {});
    }

    // A final restart: the whole history, message by message.
    const srv = await startServer(["-js", "-sd", dir]);
    const nc = await connect({ servers: srv.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info("CRASH");
      assert.ok(info.state.messages >= acked.size);
      assert.ok(acked.size > CYCLES * 40, `only ${acked.size} acknowledged in ${CYCLES} cycles`);
      // Every acknowledged message, in pipelined batches.
      const all = [...acked.entries()];
      for (let i = 0; i < all.length; i += 200) {
        const batch = all.slice(i, i + 200);
        const got = await Promise.all(
          batch.map(([seq]) => jsm.streams.getMessage("CRASH", { seq })),
        );
        batch.forEach(([seq, payload], k) =>
          assert.equal(got[k]?.string(), payload, `final: seq ${seq}`)
        );
      }
    } finally {
      await nc.close();
      await srv.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Up to `n` entries chosen at random (all of them when there are fewer). */
function sample<K, V>(map: Map<K, V>, n: number, rnd: () => number): [K, V][] {
  const all = [...map.entries()];
  if (all.length <= n) return all;
  const out: [K, V][] = [];
  for (let i = 0; i < n; i++) out.push(all[Math.floor(rnd() * all.length)]);
  return out;
}
