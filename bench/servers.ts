/**
 * The servers under test: how to spawn each on a free loopback port, how to know it is ready,
 * how to stop it (SIGTERM, then SIGKILL after a bounded wait), and how to read its RSS.
 *
 * Only processes spawned here are ever signalled; every live one is tracked so the benchmark can
 * stop them all on Ctrl-C or on an unexpected error.
 */

import type { ServerId } from "./options.ts";

const REPO_ROOT = new URL("../", import.meta.url).pathname;
const OUTPUT_TAIL_BYTES = 8 * 1024;
const STOP_GRACE_MS = 3_000;

export interface ServerSpec {
  id: ServerId;
  label: string;
  command: string;
  args(port: number): string[];
  cwd: string;
  /** Appended after `args(port)`, e.g. `["-js"]`. */
  extraArgs?: string[];
  /**
   * Appends `-sd <dir>` with a fresh temporary directory (the flag is the same for Skiff and
   * nats-server) and removes that directory once the process has exited.
   */
  tempStoreDir?: boolean;
}

/** `spec` with JetStream enabled on a fresh temporary store directory per start. */
export function withJetStream(spec: ServerSpec): ServerSpec {
  return { ...spec, extraArgs: [...(spec.extraArgs ?? []), "-js"], tempStoreDir: true };
}

export function skiffSpec(skiffBin: string | null): ServerSpec {
  const hostPort = (port: number) => ["-a", "127.0.0.1", "-p", String(port)];
  return skiffBin === null
    ? {
      id: "skiff",
      label: "Skiff",
      command: Deno.execPath(),
      args: (port) => ["run", "-A", "main.ts", ...hostPort(port)],
      cwd: REPO_ROOT,
    }
    : { id: "skiff", label: "Skiff", command: skiffBin, args: hostPort, cwd: REPO_ROOT };
}

export function natsSpec(): ServerSpec {
  return {
    id: "nats",
    label: "nats-server",
    command: "nats-server",
    args: (port) => ["-a", "127.0.0.1", "-p", String(port)],
    cwd: REPO_ROOT,
  };
}

/** `nats-server --version` output, or null when it is not installed. */
export async function natsServerVersion(): Promise<string | null> {
  try {
    const out = await new Deno.Command("nats-server", { args: ["--version"] }).output();
    return new TextDecoder().decode(out.stdout).trim() || null;
  } catch {
    return null;
  }
}

/** A port that was free a moment ago (bind to 0, read, release). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Resident set size of `pid` in KiB from /proc/<pid>/status, or NaN if unreadable. */
export function readRssKiB(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match === null ? NaN : Number(match[1]);
  } catch {
    return NaN;
  }
}

const live = new Set<RunningServer>();

export class RunningServer {
  readonly spec: ServerSpec;
  readonly port: number;
  /** The temporary JetStream store directory, or null when the spec asked for none. */
  readonly storeDir: string | null;
  /** Spawn until the port accepted a connection and sent INFO, ms. */
  startupMs = NaN;
  #child: Deno.ChildProcess;
  #tail = "";
  #exitCode: number | null = null;
  #stopRequested = false;
  #drained: Promise<void>;
  /** Resolves once the process has exited and its temporary store directory is gone. */
  #cleaned: Promise<void>;

  constructor(spec: ServerSpec, port: number) {
    this.spec = spec;
    this.port = port;
    const storeDir = spec.tempStoreDir === true
      ? Deno.makeTempDirSync({ prefix: `skiff-bench-${spec.id}-` })
      : null;
    this.storeDir = storeDir;
    const args = [...spec.args(port), ...(spec.extraArgs ?? [])];
    if (storeDir !== null) args.push("-sd", storeDir);
    try {
      this.#child = new Deno.Command(spec.command, {
        args,
        cwd: spec.cwd,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      if (storeDir !== null) removeDir(storeDir);
      throw e;
    }
    live.add(this);
    this.#drained = Promise.all([
      this.#drain(this.#child.stdout),
      this.#drain(this.#child.stderr),
    ]).then(() => {});
    this.#cleaned = this.#child.status.then((s) => {
      this.#exitCode = s.code;
      live.delete(this);
      if (storeDir !== null) removeDir(storeDir);
    });
  }

  get pid(): number {
    return this.#child.pid;
  }

  get exited(): boolean {
    return this.#exitCode !== null;
  }

  /** Exited without being asked to by stop(). */
  get crashed(): boolean {
    return this.exited && !this.#stopRequested;
  }

  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** Waits up to `ms` for the process to exit; resolves with whether it has. */
  async waitForExit(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#child.status, new Promise((r) => timer = setTimeout(r, ms))]);
    clearTimeout(timer);
    return this.exited;
  }

  rssKiB(): number {
    return this.exited ? NaN : readRssKiB(this.pid);
  }

  /** Last few KiB of the server's stdout+stderr, for error reports. */
  outputTail(): string {
    return this.#tail.trim();
  }

  /** SIGTERM, wait up to STOP_GRACE_MS, then SIGKILL. Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    if (!this.exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // Exited between the check and the signal.
      }
      const timer = setTimeout(() => {
        try {
          this.#child.kill("SIGKILL");
        } catch {
          // Exited during the grace period.
        }
      }, STOP_GRACE_MS);
      await this.#child.status;
      clearTimeout(timer);
    }
    await this.#cleaned;
    // A grandchild could hold the pipes open; do not wait for it forever.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#drained, new Promise((r) => timer = setTimeout(r, 1_000))]);
    clearTimeout(timer);
    live.delete(this);
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const bytes of stream) {
        this.#tail = (this.#tail + decoder.decode(bytes, { stream: true })).slice(
          -OUTPUT_TAIL_BYTES,
        );
      }
    } catch {
      // The pipe breaks when the process is killed.
    }
  }
}

/** Polls until the port accepts and sends the first bytes of INFO. */
async function waitUntilReady(server: RunningServer, deadline: number): Promise<void> {
  const probe = new Uint8Array(5);
  while (performance.now() < deadline) {
    if (server.exited) break;
    let conn: Deno.TcpConn | null = null;
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      const n = await conn.read(probe);
      if (n !== null && n > 0) return;
    } catch {
      // Not listening yet.
    } finally {
      conn?.close();
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const why = server.exited ? `exited with code ${server.exitCode}` : "never accepted";
  await server.stop();
  const tail = server.outputTail();
  throw new Error(`${server.spec.label} ${why}${tail === "" ? "" : `: ${lastLines(tail, 3)}`}`);
}

/** Spawns `spec` on a free port and resolves once it serves INFO (or throws, leaving nothing). */
export async function startServer(
  spec: ServerSpec,
  readyTimeoutMs = 15_000,
): Promise<RunningServer> {
  const port = freePort();
  const t0 = performance.now();
  let server: RunningServer;
  try {
    server = new RunningServer(spec, port);
  } catch (e) {
    throw new Error(`${spec.label} could not be spawned: ${(e as Error).message}`);
  }
  await waitUntilReady(server, t0 + readyTimeoutMs);
  server.startupMs = performance.now() - t0;
  return server;
}

/** Stops every server this process started and has not stopped yet. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

/** Removes a temporary directory tree; a failure is reported, not thrown. */
function removeDir(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      console.error(`bench: could not remove ${path}: ${(e as Error).message}`);
    }
  }
}

function lastLines(text: string, n: number): string {
  return text.split("\n").slice(-n).join(" | ");
}
