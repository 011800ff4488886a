/**
 * Side-by-side loopback benchmark of Skiff and nats-server (`deno task bench`, `--help`).
 *
 * For every scenario and run it starts a fresh server of each kind on a free port, runs the
 * same client workload against it, and stops it; runs of the two servers alternate so drift in
 * machine load hits both. Prints a Markdown table (median over runs), the bench client's own
 * ceiling, and writes a JSON record under bench/results/. A failing server is reported per
 * scenario; the run goes on.
 */

import { ClientCeiling } from "./client_ceiling.ts";
import { CpuMeter, type CpuUsage } from "./cpu_meter.ts";
import { gitFacts, machineFacts } from "./machine.ts";
import { type BenchOptions, parseOptions, type ServerId, USAGE, workloadFor } from "./options.ts";
import {
  defaultResultPath,
  renderCeiling,
  renderCpu,
  renderTable,
  ResultTable,
  type RunRecord,
  writeRecord,
} from "./report.ts";
import { SCENARIOS } from "./scenarios/mod.ts";
import type { Metric, Scenario, ScenarioContext } from "./scenarios/types.ts";
import {
  natsServerVersion,
  natsSpec,
  type RunningServer,
  type ServerSpec,
  skiffSpec,
  startServer,
  stopAllServers,
} from "./servers.ts";

/** Extra time past --seconds before a scenario is abandoned and its server killed. */
const WATCHDOG_GRACE_MS = 15_000;

function log(line: string): void {
  console.error(line);
}

function selectScenarios(options: BenchOptions): Scenario[] {
  if (options.scenarios.length === 0) return SCENARIOS;
  const unknown = options.scenarios.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) {
    throw new RangeError(`Unknown scenario '${unknown.join("', '")}' (see --list)`);
  }
  return SCENARIOS.filter((s) => options.scenarios.includes(s.id));
}

function summary(metrics: Metric[]): string {
  return metrics.slice(0, 3).map((m) => `${m.key} ${m.value.toFixed(1)} ${m.unit}`).join(", ");
}

class WatchdogTimeout extends Error {}

/** Resolves with the scenario's metrics or rejects; never runs past the watchdog. */
async function guarded(
  run: Promise<Metric[]>,
  ms: number,
  onTimeout: () => Promise<void>,
): Promise<Metric[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WatchdogTimeout(`scenario overran its ${ms} ms watchdog`)),
      ms,
    );
  });
  try {
    return await Promise.race([run, watchdog]);
  } catch (e) {
    if (e instanceof WatchdogTimeout) {
      await onTimeout();
      // Let the abandoned run notice its closed sockets before the next scenario starts.
      await Promise.race([run.catch(() => {}), new Promise((r) => setTimeout(r, 5_000))]);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function runOnce(
  scenario: Scenario,
  spec: ServerSpec,
  options: BenchOptions,
): Promise<{ metrics: Metric[]; cpu: CpuUsage }> {
  const workload = workloadFor(options);
  let server: RunningServer | null = null;
  if (!scenario.ownsServer) server = await startServer(spec);
  const ctx: ScenarioContext = {
    spec,
    server,
    options,
    workload,
    deadline: performance.now() + options.seconds * 1000,
    cpu: new CpuMeter(server?.pid ?? null),
  };
  try {
    const metrics = await guarded(
      scenario.run(ctx),
      options.seconds * 1000 + WATCHDOG_GRACE_MS,
      async () => await server?.stop(),
    );
    if (server?.crashed) {
      throw new Error("the server died during the run");
    }
    return { metrics, cpu: ctx.cpu.end() };
  } catch (e) {
    let message = (e as Error).message;
    // A dead server breaks the client's sockets a moment before its exit status arrives.
    if (server !== null && !server.exited) await server.waitForExit(250);
    if (server?.crashed) {
      const tail = server.outputTail().split("\n").slice(-2).join(" | ");
      message += ` (server exit code ${server.exitCode}${tail === "" ? "" : `: ${tail}`})`;
    }
    throw new Error(message);
  } finally {
    await server?.stop();
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(Deno.args);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  if (options.list) {
    for (const s of SCENARIOS) console.log(`${s.id.padEnd(16)} ${s.description}`);
    return 0;
  }
  const scenarios = selectScenarios(options);
  const started = performance.now();
  const natsVersion = await natsServerVersion();
  const specs: ServerSpec[] = [];
  if (options.only !== "nats") specs.push(skiffSpec(options.skiffBin));
  if (options.only !== "skiff") {
    if (natsVersion === null) log("note: nats-server is not installed; running Skiff alone");
    else specs.push(natsSpec());
  }
  const ran: Record<ServerId, boolean> = {
    skiff: specs.some((s) => s.id === "skiff"),
    nats: specs.some((s) => s.id === "nats"),
  };
  const machine = machineFacts(natsVersion);
  const git = await gitFacts();
  log(
    `bench: ${scenarios.length} scenarios x ${options.runs} runs x ` +
      `${specs.map((s) => s.label).join(", ")}; cap ${options.seconds}s per run` +
      (options.quick ? " (quick)" : ""),
  );

  const table = new ResultTable();
  for (const scenario of scenarios) {
    for (let run = 1; run <= options.runs; run++) {
      for (const spec of specs) {
        const tag = `${scenario.id} [${spec.label} ${run}/${options.runs}]`;
        const t0 = performance.now();
        try {
          const { metrics, cpu } = await runOnce(scenario, spec, options);
          table.addMetrics(scenario.id, spec.id, metrics, cpu);
          log(`${tag} ${summary(metrics)} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
        } catch (e) {
          const message = (e as Error).message;
          table.addError(scenario.id, spec.id, message);
          log(`${tag} FAILED: ${message}`);
        }
      }
    }
    table.finishScenario(scenario.id, scenario.description);
  }

  const ceiling = new ClientCeiling(options.quick);
  if (!options.noCeiling) {
    log("measuring the bench client's own ceiling...");
    for (const row of table.rows) {
      if (row.ceiling !== undefined) row.clientLimit = await ceiling.limitFor(row.ceiling);
    }
  }

  const durationSeconds = (performance.now() - started) / 1000;
  const record: RunRecord = {
    date: new Date().toISOString(),
    git,
    machine,
    options,
    workload: workloadFor(options),
    durationSeconds,
    clientCeiling: ceiling.all(),
    rows: table.rows,
  };
  const path = options.out ?? defaultResultPath(record);
  await writeRecord(record, path);

  console.log(
    `\n## Skiff vs nats-server, ${record.date.slice(0, 10)}, commit ${git.shortCommit}` +
      `${git.dirty ? " (dirty)" : ""}\n\n${machine.cpuModel}, ${machine.cores} cores, ` +
      `${machine.memoryMiB} MiB, ${machine.kernel}; Deno ${machine.deno}; ` +
      `${machine.natsServer ?? "nats-server not installed"}; median of ${options.runs} run(s)` +
      `${options.quick ? ", quick mode" : ""}; load average at start ` +
      `${machine.loadAverage.map((l) => l.toFixed(2)).join(" ")}\n`,
  );
  console.log(renderTable(table, ran));
  const cpuTable = renderCpu(table, ran);
  if (cpuTable !== "") {
    console.log(
      "\nCPU during the timed part, % of one core (bench client main thread / server process):\n",
    );
    console.log(cpuTable);
  }
  const ceilingTable = renderCeiling(ceiling.all());
  if (ceilingTable !== "") {
    console.log(`\nBench client ceiling (this process, loopback, peer on its own thread):\n`);
    console.log(ceilingTable);
  }
  console.log(`\nTook ${durationSeconds.toFixed(0)} s. JSON: ${path}`);
  return 0;
}

Deno.addSignalListener("SIGINT", () => {
  log("interrupted: stopping servers");
  stopAllServers().finally(() => Deno.exit(130));
});

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? e}`);
} finally {
  await stopAllServers();
}
Deno.exit(code);
