/**
 * Sequential request/reply: one requester sends a request, waits for the reply, and only then
 * sends the next; one responder answers each request it sees. Reports requests/s and the
 * latency distribution of the round trip as this client sees it.
 *
 * The responder answers to the requester's known inbox with a pre-encoded frame instead of
 * decoding each MSG's reply subject: the server does the same work, the client does less.
 */

import { payloadOf } from "../pub_batch.ts";
import { summarizeLatency } from "../stats.ts";
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

const ENCODER = new TextEncoder();
export const REQUEST_SUBJECT = "bench.request";
export const INBOX = "_INBOX.bench.reply";
const WARMUP_REQUESTS = 2_000;

/** `PUB <subject> [reply] <size>\r\n<payload>\r\n` as one buffer. */
export function frame(subject: string, reply: string, size: number): Uint8Array {
  const head = ENCODER.encode(`PUB ${subject}${reply === "" ? "" : ` ${reply}`} ${size}\r\n`);
  const out = new Uint8Array(head.length + size + 2);
  out.set(head);
  out.set(payloadOf(size), head.length);
  out.set([13, 10], head.length + size);
  return out;
}

/** Connects a responder that answers every request on REQUEST_SUBJECT to INBOX. */
export async function startResponder(port: number, size: number): Promise<WireConnection> {
  const responder = await WireConnection.connect(port);
  const reply = frame(INBOX, "", size);
  responder.scanner.onMessage = () => void responder.write(reply).catch(() => {});
  subscribe(responder, REQUEST_SUBJECT, 1);
  await responder.ping();
  return responder;
}

async function runSequential(ctx: ScenarioContext): Promise<Metric[]> {
  const port = serverOf(ctx).port;
  const size = ctx.options.size ?? 16;
  const count = ctx.options.count ?? ctx.workload.requestCount;
  const wires: WireConnection[] = [];
  try {
    wires.push(await startResponder(port, size));
    const requester = await WireConnection.connect(port);
    wires.push(requester);
    subscribe(requester, INBOX, 1);
    await requester.ping();

    const request = frame(REQUEST_SUBJECT, INBOX, size);
    let wake: (() => void) | null = null;
    requester.scanner.onMessage = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const roundTrip = async (): Promise<boolean> => {
      const reply = new Promise<void>((resolve) => wake = resolve);
      await requester.write(request);
      const left = ctx.deadline - performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        reply.then(() => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(true), Math.max(0, left))),
      ]);
      clearTimeout(timer);
      return !timedOut && !requester.closed;
    };

    for (let i = 0; i < WARMUP_REQUESTS; i++) {
      if (!await roundTrip()) throw new Error(`no reply during warm-up (${requester.lastError})`);
    }
    const latencies = new Float64Array(count);
    let done = 0;
    ctx.cpu.begin();
    const t0 = performance.now();
    while (done < count && performance.now() < ctx.deadline) {
      const start = performance.now();
      if (!await roundTrip()) break;
      latencies[done++] = (performance.now() - start) * 1000;
    }
    const ms = performance.now() - t0;
    ctx.cpu.end();
    const lat = summarizeLatency(latencies, done);
    const label = `request/reply ${sizeLabel(size)}, sequential`;
    const note = shortNote(done, count, "requests");
    const latency = (key: "p50" | "p90" | "p99" | "max"): Metric => ({
      key,
      label: `${label}, ${key} latency`,
      unit: "µs",
      value: lat[key],
      better: "lower",
    });
    return [
      {
        key: "rate",
        label,
        unit: "req/s",
        value: perSecond(done, ms),
        better: "higher",
        note,
        extra: { requests: done, ms },
      },
      latency("p50"),
      latency("p90"),
      latency("p99"),
      latency("max"),
    ];
  } finally {
    for (const w of wires) w.close();
  }
}

export const REQUEST_REPLY_SCENARIO: Scenario = {
  id: "req-reply",
  description: "1 requester, 1 responder, one request in flight at a time",
  run: runSequential,
};
