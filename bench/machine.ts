/**
 * Facts about the machine and the code under test, recorded with every result so numbers can
 * be compared across runs: CPU, cores, memory, OS, Deno and nats-server versions, git commit.
 */

import { openFileLimit } from "./fd_limit.ts";

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryMiB: number;
  os: string;
  kernel: string;
  deno: string;
  v8: string;
  natsServer: string | null;
  openFileLimit: number | null;
  loadAverage: number[];
}

export interface GitFacts {
  commit: string;
  shortCommit: string;
  dirty: boolean;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function machineFacts(natsServer: string | null): MachineFacts {
  const limit = openFileLimit();
  return {
    cpuModel: cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryMiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 20),
    os: `${Deno.build.os} ${Deno.build.arch}`,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    natsServer,
    openFileLimit: Number.isFinite(limit) ? limit : null,
    loadAverage: Deno.loadavg(),
  };
}

async function git(args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command("git", {
      args,
      cwd: new URL("../", import.meta.url).pathname,
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : "";
  } catch {
    return "";
  }
}

export async function gitFacts(): Promise<GitFacts> {
  const commit = await git(["rev-parse", "HEAD"]);
  const status = await git(["status", "--porcelain"]);
  return {
    commit: commit || "unknown",
    shortCommit: commit.slice(0, 7) || "nocommit",
    dirty: status !== "",
  };
}
