/**
 * Key-value store, through the official client (`@nats-io/kv` over `@nats-io/transport-node`),
 * because the KV wire form (stream naming, subject mapping, direct get with headers) is too
 * fiddly to re-implement here. The client adds its own per-operation cost, the same for both
 * servers.
 *
 * - `kv-put`: sequential `put` of 16 B values (or --size), cycling over kvKeys keys (history
 *   1); puts/s.
 *   A put is a JetStream publish: Skiff acks after fsync (group commit), nats-server 2.9.10
 *   before fsync (lazy sync every 2 min); the rows carry that footnote.
 * - `kv-get`: kvKeys keys written first (untimed), then sequential `get` cycling over them,
 *   each checked to return the stored value; gets/s.
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import { payloadOf } from "../pub_batch.ts";
import { DURABILITY_NOTE, joinNotes, withJsServer } from "./js_wire.ts";
import {
  type Metric,
  perSecond,
  type Scenario,
  type ScenarioContext,
  shortNote,
  sizeLabel,
} from "./types.ts";

const BUCKET = "bench";
const WARMUP = 100;

async function withBucket(
  ctx: ScenarioContext,
  body: (kv: KV) => Promise<Metric[]>,
): Promise<Metric[]> {
  return await withJsServer(ctx, async (server) => {
    let nc: NatsConnection | null = null;
    try {
      nc = await connect({ servers: `127.0.0.1:${server.port}`, reconnect: false });
      const kv = await new Kvm(nc).create(BUCKET, { history: 1, storage: "file" });
      return await body(kv);
    } finally {
      await nc?.close().catch(() => {});
    }
  });
}

const keyOf = (i: number, keys: number) => `k${i % keys}`;

async function runPut(ctx: ScenarioContext): Promise<Metric[]> {
  return await withBucket(ctx, async (kv) => {
    const count = ctx.options.count ?? ctx.workload.kvPutCount;
    const keys = ctx.workload.kvKeys;
    const size = ctx.options.size ?? 16;
    const value = payloadOf(size);
    for (let i = 0; i < WARMUP; i++) await kv.put(keyOf(i, keys), value);
    let done = 0;
    ctx.cpu.begin();
    const t0 = performance.now();
    while (done < count && performance.now() < ctx.deadline) {
      await kv.put(keyOf(done, keys), value);
      done++;
    }
    const ms = performance.now() - t0;
    ctx.cpu.end();
    return [{
      key: "rate",
      label: `KV put ${sizeLabel(size)}, sequential (official client)`,
      unit: "puts/s",
      value: perSecond(done, ms),
      better: "higher",
      note: joinNotes(shortNote(done, count, "puts"), DURABILITY_NOTE[ctx.spec.id]),
      extra: { puts: done, ms },
    }];
  });
}

async function runGet(ctx: ScenarioContext): Promise<Metric[]> {
  return await withBucket(ctx, async (kv) => {
    const count = ctx.options.count ?? ctx.workload.kvGetCount;
    const keys = ctx.workload.kvKeys;
    const size = ctx.options.size ?? 16;
    const value = payloadOf(size);
    // Fill with a few puts in flight; untimed.
    const writes: Promise<number>[] = [];
    for (let i = 0; i < keys; i++) {
      writes.push(kv.put(keyOf(i, keys), value));
      if (writes.length >= 100) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    for (let i = 0; i < WARMUP; i++) await kv.get(keyOf(i, keys));
    let done = 0;
    ctx.cpu.begin();
    const t0 = performance.now();
    while (done < count && performance.now() < ctx.deadline) {
      const key = keyOf(done, keys);
      const entry = await kv.get(key);
      if (entry === null || entry.value.length !== size) {
        throw new Error(`get ${key} returned ${entry === null ? "nothing" : entry.operation}`);
      }
      done++;
    }
    const ms = performance.now() - t0;
    ctx.cpu.end();
    return [{
      key: "rate",
      label: `KV get ${sizeLabel(size)}, sequential (official client)`,
      unit: "gets/s",
      value: perSecond(done, ms),
      better: "higher",
      note: shortNote(done, count, "gets"),
      extra: { gets: done, ms, keys },
    }];
  });
}

export const JS_KV_SCENARIOS: Scenario[] = [
  {
    id: "kv-put",
    description: "KV put 16 B, sequential (official @nats-io/kv client; Skiff acks after fsync)",
    ownsServer: true,
    run: runPut,
  },
  {
    id: "kv-get",
    description: "KV get 16 B, sequential over pre-written keys (official @nats-io/kv client)",
    ownsServer: true,
    run: runGet,
  },
];
