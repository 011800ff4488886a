/**
 * Publish-only throughput: one connection streams pre-encoded PUB frames to a subject nobody
 * subscribes to, then a PING/PONG barrier marks the point where the server has read them all.
 */

import { PubBatch, publish } from "../pub_batch.ts";
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

async function runPubOnly(ctx: ScenarioContext, defaultSize: number): Promise<Metric[]> {
  const size = ctx.options.size ?? defaultSize;
  const count = ctx.options.count ?? ctx.workload.pubCount;
  const batch = PubBatch.forSubject("bench.pub", size);
  const wire = await WireConnection.connect(serverOf(ctx).port);
  try {
    ctx.cpu.begin();
    const t0 = performance.now();
    const sent = await publish(wire, batch, count, ctx.deadline);
    await wire.ping(Math.max(5_000, ctx.deadline - performance.now()));
    const ms = performance.now() - t0;
    ctx.cpu.end();
    return [{
      key: "rate",
      label: `pub-only ${sizeLabel(size)}`,
      unit: "msgs/s",
      value: perSecond(sent, ms),
      better: "higher",
      ceiling: { payloadBytes: size, publishFrames: 1, receiveFrames: 0 },
      note: shortNote(sent, count, "messages"),
      extra: { messages: sent, ms, mibPerSecond: perSecond(sent * batch.frameBytes, ms) / 2 ** 20 },
    }];
  } finally {
    wire.close();
  }
}

function pubOnly(id: string, size: number): Scenario {
  return {
    id,
    description: `one publisher, ${sizeLabel(size)} payloads, no subscribers`,
    run: (ctx) => runPubOnly(ctx, size),
  };
}

export const PUB_ONLY_SCENARIOS: Scenario[] = [
  pubOnly("pub-16", 16),
  pubOnly("pub-128", 128),
  pubOnly("pub-1k", 1024),
];
