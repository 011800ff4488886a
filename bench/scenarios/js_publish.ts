/**
 * JetStream publish into a file-backed stream, through the raw wire client (`js_wire.ts`): a
 * publish is `PUB <subject> <reply inbox> <size>`, its ack the JSON reply `{"stream":..,"seq":..}`
 * (checked for `"error"`).
 *
 * - `js-pub-16`, `js-pub-128`: one publish in flight; the next is sent when the previous ack
 *   arrives. msgs/s and the p50/p99 ack latency (send to ack, as this client sees it).
 * - `js-pub-async`: JS_WINDOW publishes in flight, refilled as acks arrive; msgs/s of acked
 *   messages.
 *
 * Durability differs: Skiff acks only after fsync (group commit); nats-server 2.9.10 acks
 * before fsync (it syncs lazily, every 2 min by default). Every row carries that footnote.
 */

import { summarizeLatency } from "../stats.ts";
import {
  ackProblem,
  createStream,
  DURABILITY_NOTE,
  joinNotes,
  JsWire,
  pubFrames,
  publishWindowed,
  withJsServer,
} from "./js_wire.ts";
import {
  type Metric,
  perSecond,
  type Scenario,
  type ScenarioContext,
  shortNote,
  sizeLabel,
} from "./types.ts";

const STREAM = "BENCH";
const SUBJECT = "js.bench.pub";
const WARMUP = 200;
/** Publishes in flight in `js-pub-async`. */
export const JS_WINDOW = 1_000;

async function runSequential(ctx: ScenarioContext, defaultSize: number): Promise<Metric[]> {
  return await withJsServer(ctx, async (server) => {
    const size = ctx.options.size ?? defaultSize;
    const count = ctx.options.count ?? ctx.workload.jsPubCount;
    const wire = await JsWire.connect(server.port);
    try {
      await createStream(wire, STREAM, ["js.bench.>"]);
      const ackSubject = `${wire.inbox}.a`;
      const frame = pubFrames(SUBJECT, ackSubject, size, 1);
      let wake: ((problem: string | null) => void) | null = null;
      wire.subscribe(ackSubject, (_reply, headers, payload) => {
        const w = wake;
        wake = null;
        w?.(ackProblem(headers, payload));
      });
      await wire.ping();
      /** One publish and its ack; false when the deadline passed or the connection closed. */
      const publishOne = async (): Promise<boolean> => {
        const acked = new Promise<string | null>((resolve) => wake = resolve);
        await wire.write(frame);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const outcome = await Promise.race([
          acked,
          new Promise<"timeout">((r) =>
            timer = setTimeout(() => r("timeout"), Math.max(0, ctx.deadline - performance.now()))
          ),
          wire.finished.then(() => "closed" as const),
        ]);
        clearTimeout(timer);
        if (outcome === "timeout" || outcome === "closed") return false;
        if (outcome !== null) throw new Error(`publish rejected: ${outcome}`);
        return true;
      };

      for (let i = 0; i < WARMUP; i++) {
        if (!await publishOne()) {
          throw new Error(`no ack during warm-up (${wire.lastError ?? "time cap or closed"})`);
        }
      }
      const latencies = new Float64Array(count);
      let done = 0;
      ctx.cpu.begin();
      const t0 = performance.now();
      while (done < count && performance.now() < ctx.deadline) {
        const start = performance.now();
        if (!await publishOne()) break;
        latencies[done++] = (performance.now() - start) * 1000;
      }
      const ms = performance.now() - t0;
      ctx.cpu.end();
      if (wire.closed && done < count) {
        throw new Error(`connection lost after ${done} acks (${wire.lastError ?? "closed"})`);
      }
      const lat = summarizeLatency(latencies, done);
      const label = `JS publish ${sizeLabel(size)}, 1 in flight`;
      const note = joinNotes(shortNote(done, count, "publishes"), DURABILITY_NOTE[ctx.spec.id]);
      const latency = (key: "p50" | "p99"): Metric => ({
        key,
        label: `${label}, ${key} ack latency`,
        unit: "µs",
        value: lat[key],
        better: "lower",
        note,
      });
      return [
        {
          key: "rate",
          label,
          unit: "msgs/s",
          value: perSecond(done, ms),
          better: "higher",
          note,
          extra: { acked: done, ms, p90: lat.p90, max: lat.max },
        },
        latency("p50"),
        latency("p99"),
      ];
    } finally {
      wire.close();
    }
  });
}

async function runWindowed(ctx: ScenarioContext): Promise<Metric[]> {
  return await withJsServer(ctx, async (server) => {
    const size = ctx.options.size ?? 16;
    const count = ctx.options.count ?? ctx.workload.jsAsyncCount;
    const wire = await JsWire.connect(server.port);
    try {
      await createStream(wire, STREAM, ["js.bench.>"]);
      // Warm-up: one window's worth, not timed.
      await publishWindowed(wire, SUBJECT, size, JS_WINDOW, JS_WINDOW, ctx.deadline);
      ctx.cpu.begin();
      const r = await publishWindowed(wire, SUBJECT, size, count, JS_WINDOW, ctx.deadline);
      ctx.cpu.end();
      return [{
        key: "rate",
        label: `JS publish ${sizeLabel(size)}, ${JS_WINDOW} in flight`,
        unit: "msgs/s",
        value: perSecond(r.acked, r.ms),
        better: "higher",
        note: joinNotes(shortNote(r.acked, count, "acks"), DURABILITY_NOTE[ctx.spec.id]),
        extra: { sent: r.sent, acked: r.acked, ms: r.ms },
      }];
    } finally {
      wire.close();
    }
  });
}

export const JS_PUBLISH_SCENARIOS: Scenario[] = [
  {
    id: "js-pub-16",
    description: "JetStream publish 16 B, acked one by one (wire client; Skiff acks after fsync)",
    ownsServer: true,
    run: (ctx) => runSequential(ctx, 16),
  },
  {
    id: "js-pub-128",
    description: "JetStream publish 128 B, acked one by one (wire client; Skiff acks after fsync)",
    ownsServer: true,
    run: (ctx) => runSequential(ctx, 128),
  },
  {
    id: "js-pub-async",
    description:
      `JetStream publish 16 B, ${JS_WINDOW} acks outstanding (wire client; Skiff acks after fsync)`,
    ownsServer: true,
    run: runWindowed,
  },
];
