/**
 * CPU time of the bench client and of the server under test over a measured interval, from
 * /proc/<pid>/stat and /proc/self/task/<tid>/stat (utime + stime). Reported as percent of one
 * core: a client main thread near 100% means the client, not the server, set the pace.
 */

/** Linux USER_HZ; /proc reports CPU times in these ticks. */
const TICKS_PER_SECOND = 100;

export interface CpuUsage {
  /** The bench process's main (JS) thread, % of one core. */
  clientMainPct: number;
  /** The whole bench process including worker threads, % of one core. */
  clientTotalPct: number;
  /** The server process, % of one core. */
  serverPct: number;
  wallMs: number;
}

/** utime + stime in ticks from a /proc stat file, or NaN if unreadable. */
function cpuTicks(path: string): number {
  try {
    const stat = Deno.readTextFileSync(path);
    // The command name (field 2) may contain spaces; fields after it are space-separated.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

interface Snapshot {
  at: number;
  main: number;
  total: number;
  server: number;
}

export class CpuMeter {
  #serverPid: number | null;
  #start: Snapshot;
  #result: CpuUsage | null = null;

  constructor(serverPid: number | null) {
    this.#serverPid = serverPid;
    this.#start = this.#snapshot();
  }

  /** Restarts the interval; call where the timed part of a scenario begins. */
  begin(): void {
    this.#start = this.#snapshot();
    this.#result = null;
  }

  /** Ends the interval (first call wins) and returns the usage over it. */
  end(): CpuUsage {
    if (this.#result !== null) return this.#result;
    const now = this.#snapshot();
    const wallMs = now.at - this.#start.at;
    const pct = (ticks: number) => (ticks / TICKS_PER_SECOND) / (wallMs / 1000) * 100;
    this.#result = {
      clientMainPct: pct(now.main - this.#start.main),
      clientTotalPct: pct(now.total - this.#start.total),
      serverPct: pct(now.server - this.#start.server),
      wallMs,
    };
    return this.#result;
  }

  #snapshot(): Snapshot {
    return {
      at: performance.now(),
      main: cpuTicks(`/proc/self/task/${Deno.pid}/stat`),
      total: cpuTicks("/proc/self/stat"),
      server: this.#serverPid === null ? NaN : cpuTicks(`/proc/${this.#serverPid}/stat`),
    };
  }
}
