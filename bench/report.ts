/**
 * Results of a benchmark run: collecting per-run metrics into rows (one per scenario metric,
 * median over runs per server), rendering the Markdown table with footnotes for errors, notes
 * and likely client-bound figures, and writing the JSON record.
 */

import { type CeilingFigure, CLIENT_BOUND_SHARE } from "./client_ceiling.ts";
import type { CpuUsage } from "./cpu_meter.ts";
import type { GitFacts, MachineFacts } from "./machine.ts";
import type { BenchOptions, ServerId, Workload } from "./options.ts";
import type { Better, CeilingRef, Metric } from "./scenarios/types.ts";
import { median } from "./stats.ts";

export interface ServerOutcome {
  /** One value per successful run. */
  values: number[];
  median: number;
  errors: string[];
  notes: string[];
  extras: Record<string, number | string>[];
  /** CPU over the timed part of each successful run. */
  cpu: CpuUsage[];
}

export interface ResultRow {
  scenario: string;
  key: string;
  label: string;
  unit: string;
  better: Better;
  ceiling?: CeilingRef;
  /** Rate at which the client alone saturates, in the row's unit (rate rows only). */
  clientLimit?: number;
  servers: Partial<Record<ServerId, ServerOutcome>>;
}

function emptyOutcome(): ServerOutcome {
  return { values: [], median: NaN, errors: [], notes: [], extras: [], cpu: [] };
}

/** Accumulates runs scenario by scenario, in the order they ran. */
export class ResultTable {
  readonly rows: ResultRow[] = [];
  #pending: { scenario: string; server: ServerId; error: string }[] = [];

  #row(scenario: string, key: string, template: Omit<ResultRow, "servers">): ResultRow {
    let row = this.rows.find((r) => r.scenario === scenario && r.key === key);
    if (row === undefined) {
      row = { ...template, servers: {} };
      this.rows.push(row);
    }
    return row;
  }

  #outcome(row: ResultRow, server: ServerId): ServerOutcome {
    return row.servers[server] ??= emptyOutcome();
  }

  addMetrics(scenario: string, server: ServerId, metrics: Metric[], cpu: CpuUsage): void {
    for (const m of metrics) {
      const row = this.#row(scenario, m.key, {
        scenario,
        key: m.key,
        label: m.label,
        unit: m.unit,
        better: m.better,
        ceiling: m.ceiling,
      });
      const out = this.#outcome(row, server);
      out.values.push(m.value);
      out.median = median(out.values);
      if (m.note !== undefined) out.notes.push(m.note);
      if (m.extra !== undefined) out.extras.push(m.extra);
      out.cpu.push(cpu);
    }
  }

  /** Records a failed run; attached to the scenario's rows by finishScenario(). */
  addError(scenario: string, server: ServerId, error: string): void {
    this.#pending.push({ scenario, server, error });
  }

  /** Attaches the scenario's failures to each of its rows, or to a placeholder row if none. */
  finishScenario(scenario: string, description: string): void {
    const failures = this.#pending.filter((p) => p.scenario === scenario);
    this.#pending = this.#pending.filter((p) => p.scenario !== scenario);
    if (failures.length === 0) return;
    let rows = this.rows.filter((r) => r.scenario === scenario);
    if (rows.length === 0) {
      rows = [this.#row(scenario, "error", {
        scenario,
        key: "error",
        label: `${scenario}: ${description}`,
        unit: "",
        better: "higher",
      })];
    }
    for (const f of failures) {
      for (const row of rows) this.#outcome(row, f.server).errors.push(f.error);
    }
  }
}

/** 4.12M, 812k, 52.1, 0.43: three significant digits, k/M for large rates. */
function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  return v.toPrecision(3);
}

class Footnotes {
  readonly lines: string[] = [];

  mark(text: string): string {
    let i = this.lines.indexOf(text);
    if (i < 0) i = this.lines.push(text) - 1;
    return `[${i + 1}]`;
  }
}

/** A client main thread busier than this during the timed part flags the figure. */
const CLIENT_THREAD_BUSY_PCT = 90;

/** Why a rate figure may say more about the bench client than the server; empty if it doesn't. */
function clientBoundReasons(row: ResultRow, out: ServerOutcome): string[] {
  if (row.ceiling === undefined || out.values.length === 0) return [];
  const reasons: string[] = [];
  if (row.clientLimit !== undefined && out.median >= CLIENT_BOUND_SHARE * row.clientLimit) {
    const share = (out.median / row.clientLimit * 100).toFixed(0);
    reasons.push(
      `${share}% of the client's own ceiling for this workload ` +
        `(${formatNumber(row.clientLimit)} ${row.unit})`,
    );
  }
  const busy = median(out.cpu.map((c) => c.clientMainPct));
  if (busy >= CLIENT_THREAD_BUSY_PCT) {
    reasons.push(`bench client main thread at ${busy.toFixed(0)}% of a core`);
  }
  return reasons;
}

function cell(row: ResultRow, server: ServerId, ran: boolean, notes: Footnotes): string {
  const out = row.servers[server];
  if (!ran) return "not run";
  if (out === undefined) return "—";
  const marks: string[] = [];
  for (const e of new Set(out.errors)) marks.push(notes.mark(`${server}: ${e}`));
  for (const n of new Set(out.notes)) marks.push(notes.mark(`${server}: ${n}`));
  let text = out.values.length === 0 ? "failed" : formatNumber(out.median);
  if (out.values.length > 0 && out.errors.length > 0) {
    text += ` (${out.values.length} of ${out.values.length + out.errors.length} runs)`;
  }
  const reasons = clientBoundReasons(row, out);
  if (reasons.length > 0) {
    text += " ⚠";
    marks.push(notes.mark(`${server}, ${row.label}: likely client-bound: ${reasons.join("; ")}`));
  }
  return marks.length === 0 ? text : `${text} ${marks.join("")}`;
}

function ratio(row: ResultRow): string {
  const s = row.servers.skiff?.median ?? NaN;
  const n = row.servers.nats?.median ?? NaN;
  if (!Number.isFinite(s) || !Number.isFinite(n) || n === 0) return "—";
  return `${(s / n).toFixed(2)}× (${row.better} is better)`;
}

/** The Markdown results table with its footnotes. */
export function renderTable(table: ResultTable, ran: Record<ServerId, boolean>): string {
  const notes = new Footnotes();
  const lines = [
    "| scenario | Skiff | nats-server | ratio Skiff/nats-server |",
    "|---|---:|---:|---|",
  ];
  for (const row of table.rows) {
    const unit = row.unit === "" ? "" : ` (${row.unit})`;
    const skiff = cell(row, "skiff", ran.skiff, notes);
    const nats = cell(row, "nats", ran.nats, notes);
    lines.push(`| ${row.label}${unit} | ${skiff} | ${nats} | ${ratio(row)} |`);
  }
  if (notes.lines.length > 0) {
    lines.push("", ...notes.lines.map((text, i) => `[${i + 1}] ${text}`));
  }
  return lines.join("\n");
}

/** CPU of the bench client's main thread and of the server during each rate row's timed part. */
export function renderCpu(table: ResultTable, ran: Record<ServerId, boolean>): string {
  const rows = table.rows.filter((r) => r.unit.endsWith("/s"));
  if (rows.length === 0) return "";
  const pair = (out: ServerOutcome | undefined) => {
    if (out === undefined || out.cpu.length === 0) return "—";
    const main = median(out.cpu.map((c) => c.clientMainPct));
    const server = median(out.cpu.map((c) => c.serverPct));
    return `${main.toFixed(0)}% / ${server.toFixed(0)}%`;
  };
  const lines = [
    "| scenario | Skiff: client / server | nats-server: client / server |",
    "|---|---:|---:|",
  ];
  for (const row of rows) {
    const skiff = ran.skiff ? pair(row.servers.skiff) : "not run";
    const nats = ran.nats ? pair(row.servers.nats) : "not run";
    lines.push(`| ${row.label} | ${skiff} | ${nats} |`);
  }
  return lines.join("\n");
}

/** The client ceiling as a small Markdown table. */
export function renderCeiling(figures: CeilingFigure[]): string {
  if (figures.length === 0) return "";
  const lines = [
    "| payload | push PUB frames (msgs/s) | read + scan MSG frames (msgs/s) | scan in memory (msgs/s) |",
    "|---:|---:|---:|---:|",
  ];
  for (const f of figures) {
    lines.push(
      `| ${f.payloadBytes} B | ${formatNumber(f.publishPerSecond)} | ` +
        `${formatNumber(f.receivePerSecond)} | ${formatNumber(f.scanPerSecond)} |`,
    );
  }
  return lines.join("\n");
}

export interface RunRecord {
  date: string;
  git: GitFacts;
  machine: MachineFacts;
  options: BenchOptions;
  workload: Workload;
  durationSeconds: number;
  clientCeiling: CeilingFigure[];
  rows: ResultRow[];
}

/** Default JSON path: bench/results/<date>-<shortcommit>[-quick].json. */
export function defaultResultPath(record: RunRecord): string {
  const suffix = record.options.quick ? "-quick" : "";
  const dir = new URL("./results/", import.meta.url).pathname;
  return `${dir}${record.date.slice(0, 10)}-${record.git.shortCommit}${suffix}.json`;
}

export async function writeRecord(record: RunRecord, path: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  if (dir !== "") await Deno.mkdir(dir, { recursive: true });
  // NaN is not JSON; null says "no value" without breaking readers.
  const text = JSON.stringify(
    record,
    (_, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
    2,
  );
  await Deno.writeTextFile(path, text + "\n");
}
