/**
 * Worker half of the paced request/reply scenario: sends request i at its intended time
 * `startAt + i * intervalMs` (absolute clock: performance.timeOrigin + performance.now()).
 *
 * It runs on its own thread so it can sleep with Atomics.wait (far finer than timers; it wakes a
 * little early and spins the rest) without stalling the main thread that receives and
 * timestamps the replies. When it falls
 * behind it sends every overdue request in one write rather than spacing them out again, so the
 * receiver's "latency from intended send time" includes any delay, never hides it.
 */

/// <reference lib="deno.worker" />

import { WireConnection } from "../wire_client.ts";

export interface PacerInit {
  port: number;
  frame: Uint8Array;
  count: number;
  intervalMs: number;
}

export type PacerReport =
  | { type: "ready" }
  | { type: "done"; sent: number; lagP50Us: number; lagP99Us: number }
  | { type: "error"; message: string };

const MAX_BURST = 256;
const MAX_WAKE_EARLY_MS = 0.5;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let wire: WireConnection | null = null;
let init: PacerInit | null = null;

function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

function post(report: PacerReport): void {
  self.postMessage(report);
}

async function pace(startAt: number, deadlineAt: number): Promise<void> {
  const { frame, count, intervalMs } = init!;
  const burst = new Uint8Array(frame.length * MAX_BURST);
  for (let k = 0; k < MAX_BURST; k++) burst.set(frame, k * frame.length);
  const lags = new Float64Array(count);
  let sent = 0;
  let wakeEarlyMs = 0.1;
  while (sent < count && !wire!.closed) {
    const target = startAt + sent * intervalMs;
    let now = absoluteNow();
    if (now >= deadlineAt) break;
    if (target - now > wakeEarlyMs) {
      // Kernel timer slack makes every sleep overshoot (~50-100 µs): ask to wake that much
      // early (learned as a moving average) and spin the short remainder.
      const wakeAt = target - wakeEarlyMs;
      Atomics.wait(sleeper, 0, 0, wakeAt - now);
      const overshoot = absoluteNow() - wakeAt;
      wakeEarlyMs = Math.min(MAX_WAKE_EARLY_MS, 0.9 * wakeEarlyMs + 0.1 * (overshoot + 0.02));
    }
    while ((now = absoluteNow()) < target) {
      // Spin: at most wakeEarlyMs.
    }
    let due = Math.min(
      count - sent,
      MAX_BURST,
      Math.floor((now - startAt) / intervalMs) + 1 - sent,
    );
    if (due < 1) due = 1;
    for (let k = 0; k < due; k++) {
      lags[sent + k] = (now - (startAt + (sent + k) * intervalMs)) * 1000;
    }
    await wire!.write(burst.subarray(0, due * frame.length));
    sent += due;
  }
  const sorted = lags.subarray(0, sent).sort();
  post({
    type: "done",
    sent,
    lagP50Us: sorted[Math.floor(sent * 0.5)] ?? NaN,
    lagP99Us: sorted[Math.min(sent - 1, Math.floor(sent * 0.99))] ?? NaN,
  });
}

self.onmessage = async (e: MessageEvent) => {
  try {
    if (init === null) {
      init = e.data as PacerInit;
      wire = await WireConnection.connect(init.port);
      post({ type: "ready" });
    } else {
      const { startAt, deadlineAt } = e.data as { startAt: number; deadlineAt: number };
      await pace(startAt, deadlineAt);
      wire?.close();
    }
  } catch (err) {
    wire?.close();
    post({ type: "error", message: (err as Error).message });
  }
};
