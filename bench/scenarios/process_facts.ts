/**
 * Process-level facts: start-up time (spawn until the port accepts and sends INFO, median of
 * several fresh starts) and the RSS of an idle server with no clients.
 */

import { median } from "../stats.ts";
import { startServer } from "../servers.ts";
import { type Metric, type Scenario, type ScenarioContext, serverOf } from "./types.ts";

async function runStartup(ctx: ScenarioContext): Promise<Metric[]> {
  const times: number[] = [];
  for (let i = 0; i < ctx.workload.startupTries; i++) {
    if (performance.now() >= ctx.deadline) break;
    const server = await startServer(ctx.spec);
    times.push(server.startupMs);
    await server.stop();
  }
  return [{
    key: "startup",
    label: "start-up to first INFO",
    unit: "ms",
    value: median(times),
    better: "lower",
    extra: { tries: times.map((t) => t.toFixed(1)).join(",") },
  }];
}

async function runRssIdle(ctx: ScenarioContext): Promise<Metric[]> {
  const server = serverOf(ctx);
  await new Promise((r) => setTimeout(r, ctx.workload.settleMs));
  return [{
    key: "rss",
    label: "RSS idle (no clients)",
    unit: "MiB",
    value: server.rssKiB() / 1024,
    better: "lower",
  }];
}

export const STARTUP_SCENARIO: Scenario = {
  id: "startup",
  description: "spawn until the port accepts and sends INFO (median of several starts)",
  ownsServer: true,
  run: runStartup,
};

export const RSS_IDLE_SCENARIO: Scenario = {
  id: "rss-idle",
  description: "resident memory of a fresh server with no clients",
  run: runRssIdle,
};
