/**
 * CPU percent as `/varz` reports it: process CPU time over wall time in a rolling window, in
 * percent of one core (nats-server samples once a second). The CPU clock is a parameter, so
 * the core stays runtime-neutral; without one the meter reports 0.
 */

/** Process CPU time (user + system) in microseconds, or null where the runtime cannot tell. */
export type CpuClock = () => number | null;

const WINDOW_MS = 1000;

export class CpuMeter {
  #cpu: CpuClock;
  #wall: () => number;
  #baseCpu: number | null;
  #baseWall: number;
  #last = 0;
  #measured = false;

  constructor(cpu: CpuClock, wall: () => number = () => performance.now()) {
    this.#cpu = cpu;
    this.#wall = wall;
    this.#baseCpu = cpu();
    this.#baseWall = wall();
  }

  /** Percent of one core, rounded to 0.01; may exceed 100 with worker threads. */
  percent(): number {
    const cpu = this.#cpu();
    if (cpu === null || this.#baseCpu === null) return 0;
    const wall = this.#wall();
    const elapsed = wall - this.#baseWall;
    // Until a full window has passed, report the average since the base (or the last window).
    if (elapsed >= WINDOW_MS || !this.#measured) {
      if (elapsed > 0) {
        this.#last = Math.max(0, ((cpu - this.#baseCpu) / 1000 / elapsed) * 100);
        this.#measured = true;
      }
      if (elapsed >= WINDOW_MS) {
        this.#baseCpu = cpu;
        this.#baseWall = wall;
      }
    }
    return Math.round(this.#last * 100) / 100;
  }
}

/** Logical cores, from the Web-standard `navigator.hardwareConcurrency` (1 if unknown). */
export function logicalCores(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof n === "number" && n > 0 ? n : 1;
}

/**
 * The CPU clock of a platform that offers an optional `cpuUsage()` (user and system
 * microseconds, as Node's `process.cpuUsage()`); a clock that reads null otherwise.
 */
export function platformCpuClock(platform: object): CpuClock {
  const usage = (platform as { cpuUsage?: () => { user: number; system: number } }).cpuUsage;
  if (typeof usage !== "function") return () => null;
  return () => {
    const u = usage.call(platform);
    return u.user + u.system;
  };
}
