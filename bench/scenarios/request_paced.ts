/**
 * Paced request/reply: requests go out at a fixed rate whether or not replies have come back
 * (open loop), and each reply's latency is measured from the request's INTENDED send time, so a
 * stall in the server shows up in every request it delays (no coordinated omission).
 *
 * A worker thread paces the requests on its own connection with the reply subject set to an
 * inbox on a main-thread connection, which timestamps replies. Replies arrive in request order
 * (one publisher connection, one responder), so the k-th reply answers the k-th request.
 */

import { summarizeLatency } from "../stats.ts";
import { subscribe, WireConnection } from "../wire_client.ts";
import type { PacerInit, PacerReport } from "./pacer_worker.ts";
import { frame, INBOX, REQUEST_SUBJECT, startResponder } from "./request_reply.ts";
import {
  type Metric,
  perSecond,
  type Scenario,
  type ScenarioContext,
  serverOf,
  shortNote,
  sizeLabel,
} from "./types.ts";

const START_DELAY_MS = 50;
/** Seconds of paced requests sent first and not measured (connection and JIT warm-up). */
const WARMUP_SECONDS = 1;

function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves with the worker's next report. */
function nextReport(worker: Worker, timeoutMs: number): Promise<PacerReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("pacer worker did not answer")), timeoutMs);
    worker.onmessage = (e: MessageEvent<PacerReport>) => {
      clearTimeout(timer);
      resolve(e.data);
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      e.preventDefault();
      reject(new Error(`pacer worker failed: ${e.message}`));
    };
  });
}

async function runPaced(ctx: ScenarioContext): Promise<Metric[]> {
  const port = serverOf(ctx).port;
  const size = ctx.options.size ?? 16;
  const count = ctx.options.count ?? ctx.workload.pacedCount;
  const rate = ctx.options.rate;
  const intervalMs = 1000 / rate;
  const warmup = Math.round(rate * WARMUP_SECONDS);
  const total = warmup + count;
  const wires: WireConnection[] = [];
  const worker = new Worker(new URL("./pacer_worker.ts", import.meta.url), { type: "module" });
  try {
    wires.push(await startResponder(port, size));
    const receiver = await WireConnection.connect(port);
    wires.push(receiver);
    subscribe(receiver, INBOX, 1);
    await receiver.ping();

    const request = frame(REQUEST_SUBJECT, INBOX, size);
    const init: PacerInit = { port, frame: request, count: total, intervalMs };
    const ready = nextReport(worker, 10_000);
    worker.postMessage(init);
    const r = await ready;
    if (r.type === "error") throw new Error(`pacer: ${r.message}`);

    const startAt = absoluteNow() + START_DELAY_MS;
    const deadlineAt = startAt + (ctx.deadline - performance.now());
    const latencies = new Float64Array(count);
    let received = 0;
    receiver.scanner.onMessage = () => {
      if (received >= warmup && received < total) {
        latencies[received - warmup] = (absoluteNow() - (startAt + received * intervalMs)) * 1000;
      }
      received++;
    };
    ctx.cpu.begin();
    const done = nextReport(worker, ctx.deadline - performance.now() + 10_000);
    worker.postMessage({ startAt, deadlineAt });
    const report = await done;
    if (report.type !== "done") {
      throw new Error(`pacer: ${(report as { message: string }).message}`);
    }
    const sent = report.sent;
    const waitUntil = performance.now() + Math.max(1_000, ctx.deadline - performance.now());
    while (received < sent && !receiver.closed && performance.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const elapsedMs = absoluteNow() - (startAt + warmup * intervalMs);
    const measured = Math.max(0, received - warmup);
    ctx.cpu.end();
    const lat = summarizeLatency(latencies, measured);
    const label = `request/reply ${sizeLabel(size)}, paced ${rate}/s`;
    const note = shortNote(measured, count, "replies");
    const latency = (key: "p50" | "p90" | "p99" | "max"): Metric => ({
      key,
      label: `${label}, ${key} latency`,
      unit: "µs",
      value: lat[key],
      better: "lower",
      note: key === "p50" ? note : undefined,
    });
    return [
      latency("p50"),
      latency("p90"),
      latency("p99"),
      latency("max"),
      {
        key: "achieved",
        label: `${label}, achieved rate`,
        unit: "req/s",
        value: perSecond(measured, elapsedMs),
        better: "higher",
        extra: {
          warmup,
          sent,
          received,
          pacerLagP50Us: report.lagP50Us,
          pacerLagP99Us: report.lagP99Us,
        },
      },
    ];
  } finally {
    worker.terminate();
    for (const w of wires) w.close();
  }
}

export const REQUEST_PACED_SCENARIO: Scenario = {
  id: "req-reply-paced",
  description: "requests at a fixed rate, latency from the intended send time",
  run: runPaced,
};
