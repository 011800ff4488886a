/**
 * The contract between the benchmark driver and its scenarios: what a scenario receives (a
 * fresh server, options, a deadline) and what it returns (named metrics with a unit and a
 * direction, optionally tied to the client ceiling they could be limited by).
 */

import type { CpuMeter } from "../cpu_meter.ts";
import type { BenchOptions, Workload } from "../options.ts";
import type { RunningServer, ServerSpec } from "../servers.ts";

export type Better = "higher" | "lower";

/**
 * How much client work one unit of a rate metric costs: PUB frames pushed and MSG frames
 * scanned, all on this process's main thread. With the measured push and scan rates this gives
 * the rate at which the client itself would saturate.
 */
export interface CeilingRef {
  payloadBytes: number;
  publishFrames: number;
  receiveFrames: number;
}

export interface Metric {
  /** Stable id within the scenario, e.g. "rate" or "p99". */
  key: string;
  /** Row label in the table, e.g. "pub-only 16 B". */
  label: string;
  unit: string;
  value: number;
  better: Better;
  ceiling?: CeilingRef;
  /** Set when the run was cut short or is otherwise suspect; printed under the table. */
  note?: string;
  /** Extra figures kept in the JSON only. */
  extra?: Record<string, number | string>;
}

export interface ScenarioContext {
  spec: ServerSpec;
  /** A fresh server started for this run; null when the scenario starts its own. */
  server: RunningServer | null;
  options: BenchOptions;
  workload: Workload;
  /** performance.now() value by which the scenario must have stopped. */
  deadline: number;
  /** Call begin()/end() around the timed part; otherwise the whole run is measured. */
  cpu: CpuMeter;
}

export interface Scenario {
  id: string;
  description: string;
  /** The scenario spawns (and stops) servers itself, e.g. to time start-up. */
  ownsServer?: boolean;
  run(ctx: ScenarioContext): Promise<Metric[]>;
}

/** Throws when the scenario needs a server and the driver did not give it one. */
export function serverOf(ctx: ScenarioContext): RunningServer {
  if (ctx.server === null) throw new Error("scenario needs a running server");
  return ctx.server;
}

/** "16 B", "1 KiB", "64 KiB". */
export function sizeLabel(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Rate of `done` items over `ms` milliseconds, per second. */
export function perSecond(done: number, ms: number): number {
  return ms > 0 ? done / (ms / 1000) : NaN;
}

/** A note when a bounded run ended before its count. */
export function shortNote(done: number, wanted: number, what: string): string | undefined {
  return done < wanted ? `time cap hit: ${done} of ${wanted} ${what}` : undefined;
}
