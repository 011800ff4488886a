/**
 * Starts the server under test as a child process for black-box e2e tests.
 *
 * The command comes from `SKIFF_SERVER` (split on whitespace), default this checkout's main.ts
 * under the Deno running the tests (`Deno.execPath()`, so no `deno` on PATH is needed). `SKIFF_SERVER=nats-server` runs the suite against the reference.
 * The helper owns the child: it drains stdout/stderr (so the pipe never blocks), keeps the
 * last lines for failure reports, and only ever signals the process it spawned.
 */

const READY_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const OUTPUT_LINES_KEPT = 200;

/** Repo root: tests/_helpers/ is two levels below it. */
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

export interface ServerProcess {
  readonly port: number;
  readonly hostname: string;
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, await exit (bounded), then SIGKILL. Resolves with the exit status. */
  stop(): Promise<Deno.CommandStatus>;
  /** Send a signal to the server process (only the process this helper started). */
  kill(signal: Deno.Signal): void;
  /** The last ~200 lines the server wrote to stdout and stderr, interleaved. */
  output(): string;
  /** Resolves when the process exits on its own or after stop(). */
  readonly exited: Promise<Deno.CommandStatus>;
}

/** The server command split on whitespace. */
export function serverCommand(): string[] {
  const raw = Deno.env.get("SKIFF_SERVER")?.trim();
  if (!raw) return [Deno.execPath(), "run", "-A", `${REPO_ROOT}main.ts`];
  return raw.split(/\s+/);
}

/** True when the suite runs against the reference nats-server. */
export function isReference(): boolean {
  const exe = serverCommand()[0];
  const base = exe.split("/").pop() ?? exe;
  return base === "nats-server" || base === "nats-server.exe";
}

/** Ask the OS for a free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

class OutputTail {
  #lines: string[] = [];
  #partial = new Map<string, string>();

  push(stream: string, text: string): void {
    const joined = (this.#partial.get(stream) ?? "") + text;
    const parts = joined.split("\n");
    this.#partial.set(stream, parts.pop() ?? "");
    for (const line of parts) this.#add(`[${stream}] ${line}`);
  }

  flush(): void {
    for (const [stream, rest] of this.#partial) if (rest) this.#add(`[${stream}] ${rest}`);
    this.#partial.clear();
  }

  #add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > OUTPUT_LINES_KEPT) this.#lines.shift();
  }

  text(): string {
    const pending = [...this.#partial].filter(([, v]) => v).map(([k, v]) => `[${k}] ${v}`);
    return [...this.#lines, ...pending].join("\n");
  }
}

async function drain(stream: ReadableStream<Uint8Array>, name: string, tail: OutputTail) {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) tail.push(name, decoder.decode(chunk, { stream: true }));
  } catch {
    // The pipe breaks when the child dies; the tail keeps what was read.
  }
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Start `<cmd> -a 127.0.0.1 -p <port> [extraArgs]` and wait until the port accepts TCP.
 * Throws (with the server's output) if it exits early or is not ready within 10s. The free
 * port is probed then released, so another process may take it first: only that case
 * (the server reports the address in use) is retried, with a new port.
 */
export async function startServer(extraArgs: string[] = []): Promise<ServerProcess> {
  for (let attempt = 1;; attempt++) {
    try {
      return await startOnce(extraArgs);
    } catch (err) {
      const inUse = err instanceof Error && /address already in use|AddrInUse/i.test(err.message);
      if (!inUse || attempt === 3) throw err;
    }
  }
}

async function startOnce(extraArgs: string[]): Promise<ServerProcess> {
  const [exe, ...cmdArgs] = serverCommand();
  const hostname = "127.0.0.1";
  const port = freePort();
  const args = [...cmdArgs, "-a", hostname, "-p", String(port), ...extraArgs];
  const child = new Deno.Command(exe, {
    args,
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const tail = new OutputTail();
  const drained = Promise.all([
    drain(child.stdout, "out", tail),
    drain(child.stderr, "err", tail),
  ]);
  let exitedFlag = false;
  const exited = child.status.then(async (status) => {
    exitedFlag = true;
    await drained;
    tail.flush();
    return status;
  });

  const deadline = Date.now() + READY_DEADLINE_MS;
  let ready = false;
  while (!exitedFlag && Date.now() < deadline) {
    if (await canConnect(port)) {
      ready = true;
      break;
    }
    // Back off briefly between connection attempts; the awaited event is the port opening.
    await new Promise((r) => setTimeout(r, 20));
  }

  let stopping: Promise<Deno.CommandStatus> | undefined;
  const stop = (): Promise<Deno.CommandStatus> => {
    stopping ??= (async () => {
      if (!exitedFlag) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        const first = await withTimeout(exited, STOP_DEADLINE_MS);
        if (first === "timeout") {
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
        }
      }
      return await exited;
    })();
    return stopping;
  };

  if (!ready) {
    const why = exitedFlag ? "exited before accepting connections" : "not ready within 10s";
    await stop();
    throw new Error(
      `server \`${exe} ${args.join(" ")}\` ${why}; output:\n${tail.text()}`,
    );
  }

  return {
    port,
    hostname,
    url: `nats://${hostname}:${port}`,
    pid: child.pid,
    stop,
    kill: (signal: Deno.Signal) => {
      if (!exitedFlag) child.kill(signal);
    },
    output: () => tail.text(),
    exited,
  };
}

/** Attach the server's output tail to an error thrown by a test body. */
export function annotate(err: unknown, srv: ServerProcess): unknown {
  if (err instanceof Error) {
    err.message += `\n--- server output (last lines) ---\n${srv.output()}`;
  }
  return err;
}

/** Write a nats-server style config file into a fresh temp dir. Call `cleanup()` when done. */
export async function writeConfig(
  text: string,
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "skiff-e2e-" });
  const path = `${dir}/server.conf`;
  await Deno.writeTextFile(path, text);
  return { path, cleanup: () => Deno.remove(dir, { recursive: true }) };
}
