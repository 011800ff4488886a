/**
 * Many idle connections: opens N client connections (each completing CONNECT + PING/PONG, a
 * bounded number at a time), lets the server settle, and reports the server's RSS growth per
 * connection, (RSS with N - RSS idle) / N, and the time to get them all connected.
 *
 * Each connection costs this process (and the server) one file descriptor: the soft limit is
 * raised towards the hard limit if needed, and if that is still too low the run says so
 * instead of failing halfway.
 */

import { ensureOpenFileLimit } from "../fd_limit.ts";
import { WireConnection } from "../wire_client.ts";
import { type Metric, type Scenario, type ScenarioContext, serverOf } from "./types.ts";

const CONNECT_CONCURRENCY = 64;
const FD_HEADROOM = 256;
const IDLE_READ_BUFFER = 4 * 1024;

async function runManyConns(ctx: ScenarioContext, n: number): Promise<Metric[]> {
  const server = serverOf(ctx);
  const limit = ensureOpenFileLimit(n + FD_HEADROOM);
  if (n + FD_HEADROOM > limit) {
    throw new Error(`open-file limit ${limit} is too low for ${n} connections (raise ulimit -n)`);
  }
  await new Promise((r) => setTimeout(r, ctx.workload.settleMs));
  const rssIdleKiB = server.rssKiB();
  const wires: WireConnection[] = [];
  try {
    const t0 = performance.now();
    let next = 0;
    let failure: Error | null = null;
    const opener = async () => {
      while (next < n && failure === null) {
        if (performance.now() >= ctx.deadline) {
          failure = new Error(`time cap hit: ${wires.length} of ${n} connections open`);
          return;
        }
        next++;
        try {
          wires.push(
            await WireConnection.connect(server.port, { readBufferSize: IDLE_READ_BUFFER }),
          );
        } catch (e) {
          failure = new Error(
            `connection ${wires.length + 1} of ${n} failed: ${(e as Error).message}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, opener));
    if (failure !== null) throw failure;
    const connectMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, ctx.workload.settleMs));
    if (wires.some((w) => w.closed)) throw new Error("the server closed idle connections");
    const rssKiB = server.rssKiB();
    const label = `${n.toLocaleString("en-US")} idle connections`;
    return [
      {
        key: "rss-per-conn",
        label: `${label}: server RSS per connection`,
        unit: "KiB",
        value: (rssKiB - rssIdleKiB) / n,
        better: "lower",
        extra: { rssIdleMiB: rssIdleKiB / 1024, rssMiB: rssKiB / 1024 },
      },
      {
        key: "connect",
        label: `${label}: time to connect all`,
        unit: "ms",
        value: connectMs,
        better: "lower",
      },
    ];
  } finally {
    for (const w of wires) w.close();
  }
}

function manyConns(id: string, pick: 0 | 1): Scenario {
  return {
    id,
    description: "idle connections: RSS per connection and time to connect them",
    run: (ctx) => runManyConns(ctx, ctx.workload.connectionCounts[pick]),
  };
}

export const MANY_CONNS_SCENARIOS: Scenario[] = [
  manyConns("conns-1k", 0),
  manyConns("conns-5k", 1),
];
