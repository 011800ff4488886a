/**
 * Server processes with arbitrary command lines, for operator tests (config files that name
 * the port, log files, pid files, signals, one-shot commands like `-t` and `--help`). The
 * command is the suite's server (`serverCommand()`, so `SKIFF_SERVER=nats-server` works) or,
 * for side-by-side comparisons, the reference binary. Every wait is bounded; only processes
 * started here are ever signalled.
 */

import { serverCommand } from "./server.ts";

/** Operator tests search whole logs; a runaway server is cut off here. */
const OUTPUT_CHARS_KEPT = 4_000_000;
const STOP_DEADLINE_MS = 5_000;

/** Repo root: tests/_helpers/ is two levels below it. */
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

export interface Proc {
  readonly pid: number;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** What the process wrote to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Signals this process (a no-op once it has exited). */
  kill(signal: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after 5s; resolves with the exit status. */
  stop(): Promise<Deno.CommandStatus>;
}

/** The reference nats-server: $NATS_SERVER_BIN, else `nats-server` on PATH; null when absent. */
export function referenceBinary(): string | null {
  const candidates = [Deno.env.get("NATS_SERVER_BIN") ?? ""];
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir !== "") candidates.push(`${dir}/nats-server`);
  }
  for (const path of candidates) {
    if (path === "") continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return null;
}

/** Spawns `[...command, ...args]`; `command` defaults to the suite's server. */
export function spawn(args: string[], command: string[] = serverCommand()): Proc {
  const [exe, ...pre] = command;
  const child = new Deno.Command(exe, {
    args: [...pre, ...args],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = { stdout: "", stderr: "" };
  const read = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        out[key] = (out[key] + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_CHARS_KEPT);
      }
    } catch { /* the pipe breaks when the child dies */ }
  };
  const drained = Promise.all([read(child.stdout, "stdout"), read(child.stderr, "stderr")]);
  let done = false;
  const exited = child.status.then(async (status) => {
    done = true;
    await drained;
    return status;
  });
  const kill = (signal: Deno.Signal) => {
    if (done) return;
    try {
      child.kill(signal);
    } catch { /* already gone */ }
  };
  let stopping: Promise<Deno.CommandStatus> | undefined;
  return {
    pid: child.pid,
    exited,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    kill,
    stop: () =>
      stopping ??= (async () => {
        kill("SIGTERM");
        if (await within(exited, STOP_DEADLINE_MS) === TIMEOUT) kill("SIGKILL");
        return await exited;
      })(),
  };
}

/** Runs a one-shot command to completion (killed after `timeoutMs`). */
export async function run(
  args: string[],
  command: string[] = serverCommand(),
  timeoutMs = 15_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = spawn(args, command);
  const status = await within(p.exited, timeoutMs);
  if (status === TIMEOUT) {
    await p.stop();
    throw new Error(`\`${args.join(" ")}\` still running after ${timeoutMs}ms:\n${p.stderr()}`);
  }
  return { code: status.code, stdout: p.stdout(), stderr: p.stderr() };
}

export const TIMEOUT = Symbol("timeout");

/** `promise`, or TIMEOUT if it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof TIMEOUT>((r) => timer = setTimeout(() => r(TIMEOUT), ms));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Polls `probe` until it returns something other than undefined; fails after `timeoutMs`
 * saying what it waited for. The poll interval only paces the checks: the awaited condition
 * is what `probe` reports.
 */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string | (() => string),
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) {
      const text = typeof what === "string" ? what : what();
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${text}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export function waitForPort(port: number, proc?: Proc, timeoutMs = 10_000): Promise<true> {
  return waitFor(
    async () => {
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
        return true;
      } catch {
        return undefined;
      }
    },
    () => `port ${port}${proc ? `; server output:\n${proc.stderr()}${proc.stdout()}` : ""}`,
    timeoutMs,
  );
}

/** True while a TCP connection to 127.0.0.1:`port` is refused. */
export async function portRefuses(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch {
    return true;
  }
}

/**
 * Waits until the process's stderr (where both servers log by default), from character
 * `after` on, matches `pattern`. Returns the match and where it ended, to search on from there.
 */
export async function waitForLog(
  proc: Proc,
  pattern: RegExp,
  after = 0,
  timeoutMs = 5000,
): Promise<{ match: RegExpMatchArray; end: number }> {
  return await waitFor(
    () => {
      const text = proc.stderr().slice(after);
      const match = text.match(pattern);
      if (match === null || match.index === undefined) return undefined;
      return { match, end: after + match.index + match[0].length };
    },
    () => `${pattern} in the server's log; it wrote:\n${proc.stderr().slice(after)}`,
    timeoutMs,
  );
}

/** A server started from a config file in its own temp dir (which also holds its other files). */
export interface ConfiguredServer {
  readonly proc: Proc;
  /** The client port the config names. */
  readonly port: number;
  readonly dir: string;
  readonly configPath: string;
  /** Replaces the config file's text (e.g. before a reload). */
  rewrite(text: string): Promise<void>;
  /** Stops the server (if still running) and removes the temp dir. */
  cleanup(): Promise<void>;
}

/**
 * Writes `config(port, dir)` to `<dir>/server.conf`, starts `-c <file> ...extraArgs` and waits
 * for the port. The port is named in the config (not on the command line) so that reload tests
 * can change it.
 */
export async function startConfigured(
  config: (port: number, dir: string) => string,
  extraArgs: string[] = [],
  command: string[] = serverCommand(),
): Promise<ConfiguredServer> {
  const dir = await Deno.makeTempDir({ prefix: "skiff-ops-" });
  const configPath = `${dir}/server.conf`;
  const port = freePortNumber();
  await Deno.writeTextFile(configPath, config(port, dir));
  const proc = spawn(["-c", configPath, ...extraArgs], command);
  const cleanup = async () => {
    await proc.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const first = await Promise.race([waitForPort(port, proc), proc.exited]);
    if (first !== true) {
      throw new Error(`server exited (${first.code}) before listening:\n${proc.stderr()}`);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    proc,
    port,
    dir,
    configPath,
    rewrite: (text) => Deno.writeTextFile(configPath, text),
    cleanup,
  };
}

function freePortNumber(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
