/**
 * Delivery throughput: one publisher and K subscriber connections in this process, either each
 * subscribed on its own (fan-out: every message reaches all K) or in one queue group (each
 * message reaches one of K). The clock stops when every expected MSG has been counted.
 *
 * The publisher holds back while more than MAX_AHEAD_BYTES of deliveries are unreceived, so it
 * measures sustained delivery rather than tripping the server's slow-consumer limit.
 */

import { type Backpressure, Progress, PubBatch, publish } from "../pub_batch.ts";
import { subscribe, WireConnection } from "../wire_client.ts";
import {
  type Metric,
  perSecond,
  type Scenario,
  type ScenarioContext,
  serverOf,
  shortNote,
  sizeLabel,
} from "./types.ts";

const MAX_AHEAD_BYTES = 16 * 1024 * 1024;
const SUBJECT = "bench.deliver";

interface PubSubShape {
  subscribers: number;
  queue: boolean;
  count: (ctx: ScenarioContext) => number;
  label: (size: number) => string;
}

async function runPubSub(ctx: ScenarioContext, shape: PubSubShape): Promise<Metric[]> {
  const port = serverOf(ctx).port;
  const size = ctx.options.size ?? 16;
  const count = ctx.options.count ?? shape.count(ctx);
  const perMessage = shape.queue ? 1 : shape.subscribers;
  const expected = count * perMessage;
  const batch = PubBatch.forSubject(SUBJECT, size);
  const wires: WireConnection[] = [];
  try {
    const subs: WireConnection[] = [];
    const progress = new Progress();
    for (let i = 0; i < shape.subscribers; i++) {
      const sub = await WireConnection.connect(port, { readBufferSize: 1024 * 1024 });
      wires.push(sub);
      subs.push(sub);
      subscribe(sub, SUBJECT, 1, shape.queue ? "bench.q" : "");
      await sub.ping();
      progress.watch(sub);
    }
    const pub = await WireConnection.connect(port);
    wires.push(pub);
    const delivered = () => {
      let n = 0;
      for (const s of subs) n += s.scanner.messages;
      return n;
    };
    const backpressure: Backpressure = {
      outstanding: (sent) => (sent * perMessage - delivered()) / perMessage,
      maxAhead: Math.max(batch.frames * 4, Math.floor(MAX_AHEAD_BYTES / batch.frameBytes)),
      progress,
    };

    ctx.cpu.begin();
    const t0 = performance.now();
    const sent = await publish(pub, batch, count, ctx.deadline, backpressure);
    const want = sent * perMessage;
    await progress.until(() => delivered() >= want || subs.some((s) => s.closed), ctx.deadline);
    const ms = performance.now() - t0;
    ctx.cpu.end();
    const got = delivered();
    const lost = subs.find((s) => s.closed);
    if (lost !== undefined && got < want) {
      throw new Error(
        `subscriber disconnected after ${got} of ${want} messages` +
          (lost.lastError === null ? "" : ` (${lost.lastError})`),
      );
    }
    const perSub = subs.map((s) => s.scanner.messages);
    return [{
      key: "rate",
      label: shape.label(size),
      unit: "msgs/s",
      value: perSecond(got, ms),
      better: "higher",
      ceiling: { payloadBytes: size, publishFrames: 1 / perMessage, receiveFrames: 1 },
      note: shortNote(got, expected, "deliveries"),
      extra: {
        published: sent,
        delivered: got,
        ms,
        publishRate: perSecond(sent, ms),
        perSubscriber: perSub.join(","),
      },
    }];
  } finally {
    for (const w of wires) w.close();
  }
}

export const PUB_SUB_SCENARIOS: Scenario[] = [
  {
    id: "pubsub-1x1",
    description: "1 publisher -> 1 subscriber",
    run: (ctx) =>
      runPubSub(ctx, {
        subscribers: 1,
        queue: false,
        count: (c) => c.workload.pubSubCount,
        label: (size) => `1 pub -> 1 sub ${sizeLabel(size)}`,
      }),
  },
  {
    id: "fanout-1x4",
    description: "1 publisher -> 4 subscribers (aggregate delivered rate)",
    run: (ctx) =>
      runPubSub(ctx, {
        subscribers: 4,
        queue: false,
        count: (c) => c.workload.fanOutCount,
        label: (size) => `1 pub -> 4 subs ${sizeLabel(size)}, delivered`,
      }),
  },
  {
    id: "queue-1x3",
    description: "1 publisher -> queue group of 3 (each message to one member)",
    run: (ctx) =>
      runPubSub(ctx, {
        subscribers: 3,
        queue: true,
        count: (c) => c.workload.queueCount,
        label: (size) => `1 pub -> queue group of 3 ${sizeLabel(size)}`,
      }),
  },
];
