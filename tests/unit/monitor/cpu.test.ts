/** The CPU meter over injected clocks. */
import assert from "node:assert/strict";
import { CpuMeter, logicalCores, platformCpuClock } from "../../../src/monitor/cpu.ts";

function clocks() {
  const t = { cpuUs: 0, wallMs: 0 };
  return { t, cpu: () => t.cpuUs, wall: () => t.wallMs };
}

Deno.test("CpuMeter reports percent of one core over the window", () => {
  const { t, cpu, wall } = clocks();
  const m = new CpuMeter(cpu, wall);
  t.wallMs = 1000;
  t.cpuUs = 250_000;
  assert.equal(m.percent(), 25);
  t.wallMs = 2000;
  t.cpuUs = 1_250_000;
  assert.equal(m.percent(), 100);
});

Deno.test("CpuMeter keeps the last full window's value within a window", () => {
  const { t, cpu, wall } = clocks();
  const m = new CpuMeter(cpu, wall);
  t.wallMs = 1000;
  t.cpuUs = 500_000;
  assert.equal(m.percent(), 50);
  t.wallMs = 1200;
  t.cpuUs = 1_500_000;
  assert.equal(m.percent(), 50);
});

Deno.test("CpuMeter gives an early average before the first full window", () => {
  const { t, cpu, wall } = clocks();
  const m = new CpuMeter(cpu, wall);
  t.wallMs = 200;
  t.cpuUs = 20_000;
  assert.equal(m.percent(), 10);
});

Deno.test("CpuMeter reports 0 without a CPU clock", () => {
  assert.equal(new CpuMeter(() => null).percent(), 0);
});

Deno.test("platformCpuClock() uses an optional cpuUsage() and tolerates its absence", () => {
  assert.equal(platformCpuClock({})(), null);
  const clock = platformCpuClock({ cpuUsage: () => ({ user: 30, system: 12 }) });
  assert.equal(clock(), 42);
});

Deno.test("logicalCores() is at least one", () => {
  assert.ok(logicalCores() >= 1);
});
