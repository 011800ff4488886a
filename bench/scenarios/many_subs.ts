/**
 * Many subscriptions: one connection creates N subscriptions (a quarter each of the shapes
 * `bench.many.<i>`, `bench.many.<i>.*`, `bench.many.*.<i>`, `bench.many.<i>.>`), timed to the
 * PONG after the last SUB; then the server's RSS is read; then a publisher sends to distinct
 * four-token subjects, each built to match exactly two of those subscriptions (one by its second
 * token, one through the `*` in the third-token shape), and the clock stops when the subscriber
 * has counted every delivery. Two publish phases: a few hundred hot subjects (a match cache
 * holds them all) and thousands (it cannot), so both the cache and the trie get measured.
 */

import { type Backpressure, Progress, PubBatch, publish } from "../pub_batch.ts";
import { WireConnection } from "../wire_client.ts";
import {
  type Metric,
  perSecond,
  type Scenario,
  type ScenarioContext,
  serverOf,
  shortNote,
  sizeLabel,
} from "./types.ts";

const ENCODER = new TextEncoder();
const SUB_CHUNK_BYTES = 256 * 1024;
/** Fewer distinct subjects than nats-server's 1024-entry match cache, so it stays warm. */
const HOT_SUBJECTS = 512;
/** Far more than that cache holds, so most lookups walk the subscription trie. */
const WIDE_SUBJECTS = 8192;
const MATCHES_PER_MESSAGE = 2;
const MAX_AHEAD_BYTES = 16 * 1024 * 1024;

function subscriptionSubject(i: number): string {
  switch (i % 4) {
    case 0:
      return `bench.many.${i}`;
    case 1:
      return `bench.many.${i}.*`;
    case 2:
      return `bench.many.*.${i}`;
    default:
      return `bench.many.${i}.>`;
  }
}

/** SUB lines for sids 1..n, packed into ~256 KiB buffers. */
function subscriptionChunks(n: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let lines: string[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const line = `SUB ${subscriptionSubject(i)} ${i + 1}\r\n`;
    lines.push(line);
    bytes += line.length;
    if (bytes >= SUB_CHUNK_BYTES) {
      chunks.push(ENCODER.encode(lines.join("")));
      lines = [];
      bytes = 0;
    }
  }
  if (lines.length > 0) chunks.push(ENCODER.encode(lines.join("")));
  return chunks;
}

/**
 * Subjects `bench.many.<a>.<b>` where a is 1 or 3 mod 4 (matched by `bench.many.<a>.*` or
 * `bench.many.<a>.>`) and b is 2 mod 4 (matched by `bench.many.*.<b>`), all below n.
 */
function matchingSubjects(n: number, howMany: number): string[] {
  const groups = Math.floor(n / 4);
  if (groups < 1) throw new RangeError("Need at least 4 subscriptions");
  let seed = 0x9e3779b9;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % groups;
  };
  const subjects: string[] = [];
  for (let k = 0; k < howMany; k++) {
    const a = 4 * random() + (k % 2 === 0 ? 1 : 3);
    const b = 4 * random() + 2;
    subjects.push(`bench.many.${a}.${b}`);
  }
  return subjects;
}

interface PhaseResult {
  sent: number;
  delivered: number;
  ms: number;
}

/** Publishes `count` frames of `batch` and waits until `sub` has every delivery. */
async function publishPhase(
  ctx: ScenarioContext,
  pub: WireConnection,
  sub: WireConnection,
  batch: PubBatch,
  count: number,
): Promise<PhaseResult> {
  const progress = new Progress();
  progress.watch(sub);
  const base = sub.scanner.messages;
  const delivered = () => sub.scanner.messages - base;
  const backpressure: Backpressure = {
    outstanding: (sent) => sent - delivered() / MATCHES_PER_MESSAGE,
    maxAhead: Math.max(batch.frames * 4, Math.floor(MAX_AHEAD_BYTES / batch.frameBytes)),
    progress,
  };
  const t0 = performance.now();
  const sent = await publish(pub, batch, count, ctx.deadline, backpressure);
  const want = sent * MATCHES_PER_MESSAGE;
  await progress.until(() => delivered() >= want || sub.closed, ctx.deadline);
  const ms = performance.now() - t0;
  const got = delivered();
  if (got > want) throw new Error(`got ${got} deliveries for ${sent} messages, expected ${want}`);
  if (sub.closed && got < want) {
    throw new Error(`subscriber disconnected after ${got} of ${want} deliveries`);
  }
  return { sent, delivered: got, ms };
}

async function runManySubs(ctx: ScenarioContext): Promise<Metric[]> {
  const server = serverOf(ctx);
  const subscriptions = ctx.workload.manySubsCount;
  const count = ctx.options.count ?? ctx.workload.manySubsPublishCount;
  const size = ctx.options.size ?? 16;
  const chunks = subscriptionChunks(subscriptions);
  const hot = PubBatch.forSubjects(matchingSubjects(subscriptions, HOT_SUBJECTS), size);
  const wide = PubBatch.forSubjects(matchingSubjects(subscriptions, WIDE_SUBJECTS), size);
  const wires: WireConnection[] = [];
  try {
    const rssIdleKiB = server.rssKiB();
    const sub = await WireConnection.connect(server.port, { readBufferSize: 1024 * 1024 });
    wires.push(sub);
    const t0 = performance.now();
    for (const chunk of chunks) {
      if (performance.now() >= ctx.deadline) throw new Error("time cap hit while subscribing");
      await sub.write(chunk);
    }
    await sub.ping(Math.max(5_000, ctx.deadline - performance.now()));
    const createMs = performance.now() - t0;
    const rssKiB = server.rssKiB();

    const pub = await WireConnection.connect(server.port);
    wires.push(pub);
    ctx.cpu.begin();
    const hotRun = await publishPhase(ctx, pub, sub, hot, count);
    const wideRun = await publishPhase(ctx, pub, sub, wide, count);
    ctx.cpu.end();

    const label = `${subscriptions / 1000}k subscriptions with wildcards`;
    const publishMetric = (key: string, subjects: number, run: PhaseResult): Metric => ({
      key,
      label: `${label}: publish ${sizeLabel(size)} to ${subjects} subjects, 2 matches each`,
      unit: "msgs/s",
      value: run.sent === 0 ? NaN : perSecond(run.sent, run.ms),
      better: "higher",
      ceiling: { payloadBytes: size, publishFrames: 1, receiveFrames: MATCHES_PER_MESSAGE },
      note: shortNote(run.delivered, count * MATCHES_PER_MESSAGE, "deliveries"),
      extra: { published: run.sent, delivered: run.delivered, ms: run.ms },
    });
    return [
      {
        key: "create",
        label: `${label}: create (to PONG)`,
        unit: "ms",
        value: createMs,
        better: "lower",
        extra: { subscriptionsPerSecond: perSecond(subscriptions, createMs) },
      },
      {
        key: "rss",
        label: `${label}: server RSS`,
        unit: "MiB",
        value: rssKiB / 1024,
        better: "lower",
        extra: { rssIdleMiB: rssIdleKiB / 1024 },
      },
      publishMetric("publish-hot", HOT_SUBJECTS, hotRun),
      publishMetric("publish-wide", WIDE_SUBJECTS, wideRun),
    ];
  } finally {
    for (const w of wires) w.close();
  }
}

export const MANY_SUBS_SCENARIO: Scenario = {
  id: "many-subs",
  description: "100k wildcard subscriptions: create time, RSS, publish rate through them",
  run: runManySubs,
};
