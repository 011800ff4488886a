/**
 * Several server processes on loopback for leaf node e2e tests: Skiff (the suite's server
 * command) or the reference nats-server, as hub or leaf, each with a generated config in its
 * own temp dir and fixed ports, so a node can be stopped and started again on the same ports
 * (a hub restart). Every wait is bounded and polls an observable condition; only processes
 * started here are ever signalled.
 */

import { freePort, isReference, serverCommand } from "./server.ts";

export type NodeKind = "skiff" | "nats";

const READY_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const OUTPUT_CHARS_KEPT = 200_000;
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** The reference binary: $NATS_SERVER_BIN, else `nats-server` on PATH; null when absent. */
export function natsServerBinary(): string | null {
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

/** True when the reference nats-server is installed (tests needing it are skipped otherwise). */
export const HAVE_NATS_SERVER = natsServerBinary() !== null;

/** True when "skiff" nodes are really Skiff (not SKIFF_SERVER=nats-server standing in). */
export const RUNNING_SKIFF = !isReference();

export interface NodePorts {
  readonly client: number;
  readonly http: number;
  /** The leaf port, or 0 when the node does not accept leafs. */
  readonly leaf: number;
}

export interface RemoteSpec {
  /** The hub to solicit (a node, or just a leaf port for a node not started yet). */
  readonly hub: { readonly ports: { readonly leaf: number } };
  /** Extra keys for the remote block, e.g. `deny_imports: ["x.>"]`. */
  readonly extra?: string;
  /** `user:pass@` in the URL. */
  readonly credentials?: string;
}

export interface NodeSpec {
  readonly kind: NodeKind;
  readonly name: string;
  /** Accept leafs on a leaf port. */
  readonly hub?: boolean;
  readonly remotes?: readonly RemoteSpec[];
  /** Extra keys inside `leafnodes {}` (authorization, reconnect, ...). */
  readonly leafExtra?: string;
  /** Extra top-level config text (accounts, ping_interval, ...). */
  readonly extra?: string;
  /** Fixed ports (others are picked free). */
  readonly ports?: Partial<NodePorts>;
}

export interface Node {
  readonly spec: NodeSpec;
  /** Skiff really runs this node (not the reference standing in under SKIFF_SERVER). */
  readonly isSkiff: boolean;
  readonly ports: NodePorts;
  readonly pid: number;
  /** `nats://127.0.0.1:<client port>`. */
  readonly url: string;
  readonly running: boolean;
  /** SIGTERM (SIGKILL after 5s); resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts the node again on the same ports with the same config. */
  restart(): Promise<void>;
  /** Stops the node for good and removes its config dir. */
  dispose(): Promise<void>;
  /** Rewrites the config with `extra` as its top-level extras and sends SIGHUP. */
  reload(extra: string): Promise<void>;
  /** What the current process wrote so far (stdout and stderr). */
  output(): string;
  /** GET a monitoring endpoint and parse its JSON. */
  monitor<T = Record<string, unknown>>(path: string): Promise<T>;
  /** GET `/metrics` (Skiff only). */
  metricsText(): Promise<string>;
}

function configText(spec: NodeSpec, ports: NodePorts): string {
  const lines = [
    `server_name: ${JSON.stringify(spec.name)}`,
    `listen: "127.0.0.1:${ports.client}"`,
    `http: "127.0.0.1:${ports.http}"`,
  ];
  const leaf: string[] = [];
  if (spec.hub) leaf.push(`  listen: "127.0.0.1:${ports.leaf}"`);
  // Whole seconds: nats-server 2.9 reads `reconnect` as an integer.
  if (spec.remotes && spec.remotes.length > 0) leaf.push("  reconnect: 1");
  if (spec.leafExtra) leaf.push(spec.leafExtra);
  if (spec.remotes && spec.remotes.length > 0) {
    leaf.push("  remotes: [");
    for (const r of spec.remotes) {
      const creds = r.credentials ? `${r.credentials}@` : "";
      const url = `nats-leaf://${creds}127.0.0.1:${r.hub.ports.leaf}`;
      leaf.push(`    { url: ${JSON.stringify(url)}${r.extra ? `, ${r.extra}` : ""} }`);
    }
    leaf.push("  ]");
  }
  if (leaf.length > 0) lines.push("leafnodes {", ...leaf, "}");
  if (spec.extra) lines.push(spec.extra);
  return lines.join("\n") + "\n";
}

function commandFor(kind: NodeKind): string[] {
  if (kind === "skiff") return serverCommand();
  const bin = natsServerBinary();
  if (bin === null) throw new Error("nats-server is not installed");
  return [bin];
}

async function accepts(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Starts a node; retries with new ports if one was taken between probe and bind. */
export async function startNode(spec: NodeSpec): Promise<Node> {
  for (let attempt = 1;; attempt++) {
    const ports = {
      client: spec.ports?.client ?? freePort(),
      http: spec.ports?.http ?? freePort(),
      leaf: spec.hub ? spec.ports?.leaf ?? freePort() : 0,
    };
    try {
      return await launch(spec, ports);
    } catch (err) {
      const inUse = err instanceof Error && /address already in use|AddrInUse/i.test(err.message);
      if (!inUse || attempt === 3) throw err;
    }
  }
}

async function launch(spec: NodeSpec, ports: NodePorts): Promise<Node> {
  const dir = await Deno.makeTempDir({ prefix: `skiff-leaf-${spec.name}-` });
  const path = `${dir}/server.conf`;
  await Deno.writeTextFile(path, configText(spec, ports));
  let proc: RunningProc | null = null;
  const node: Node = {
    spec,
    isSkiff: spec.kind === "skiff" && !isReference(),
    ports,
    url: `nats://127.0.0.1:${ports.client}`,
    get pid() {
      return proc?.pid ?? 0;
    },
    get running() {
      return proc !== null && !proc.exitedFlag;
    },
    async stop() {
      await proc?.stop();
    },
    async restart() {
      await proc?.stop();
      proc = await runUntilReady(spec, ports, path);
    },
    async dispose() {
      await proc?.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async reload(extra: string) {
      await Deno.writeTextFile(path, configText({ ...spec, extra }, ports));
      proc?.signal("SIGHUP");
    },
    output: () => proc?.output() ?? "",
    async monitor<T>(p: string): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${ports.http}${p}`);
      return await res.json() as T;
    },
    async metricsText() {
      const res = await fetch(`http://127.0.0.1:${ports.http}/metrics`);
      return await res.text();
    },
  };
  try {
    proc = await runUntilReady(spec, ports, path);
  } catch (err) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw err;
  }
  return node;
}

/** Disposes of nodes (null entries are skipped). */
export async function disposeAll(...nodes: (Node | null | undefined)[]): Promise<void> {
  await Promise.all(nodes.map((n) => n?.dispose()));
}

interface RunningProc {
  readonly pid: number;
  exitedFlag: boolean;
  signal(sig: Deno.Signal): void;
  stop(): Promise<void>;
  output(): string;
}

async function runUntilReady(spec: NodeSpec, ports: NodePorts, path: string): Promise<RunningProc> {
  const [exe, ...pre] = commandFor(spec.kind);
  const child = new Deno.Command(exe, {
    args: [...pre, "-c", path],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        text = (text + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_CHARS_KEPT);
      }
    } catch { /* the pipe breaks when the child dies */ }
  };
  const drained = Promise.all([read(child.stdout), read(child.stderr)]);
  const proc: RunningProc = {
    pid: child.pid,
    exitedFlag: false,
    output: () => text,
    signal: (sig) => {
      if (!proc.exitedFlag) child.kill(sig);
    },
    stop: async () => {
      if (!proc.exitedFlag) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, STOP_DEADLINE_MS);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
  const exited = child.status.then(async () => {
    proc.exitedFlag = true;
    await drained;
  });
  const deadline = Date.now() + READY_DEADLINE_MS;
  const wanted = [ports.client, ...(ports.leaf ? [ports.leaf] : [])];
  while (!proc.exitedFlag && Date.now() < deadline) {
    let ready = true;
    for (const port of wanted) if (!(await accepts(port))) ready = false;
    if (ready) return proc;
    await new Promise((r) => setTimeout(r, 25));
  }
  const why = proc.exitedFlag ? "exited before accepting connections" : "not ready within 10s";
  await proc.stop();
  throw new Error(`${spec.kind} node ${spec.name} ${why}; output:\n${text}`);
}

/** Polls `check` (every 25-200ms) until it returns a value other than undefined/false. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let pause = 25;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}` +
          (lastError ? ` (last error: ${lastError})` : ""),
      );
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 200);
  }
}

export interface LeafzLeaf {
  name?: string;
  is_spoke?: boolean;
  account: string;
  ip: string;
  port: number;
  rtt: string;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

export interface Leafz {
  server_id: string;
  leafnodes: number;
  leafs: LeafzLeaf[] | null;
}

export async function leafz(node: Node): Promise<Leafz> {
  return await node.monitor<Leafz>("/leafz?subs=1");
}

/** Waits until `node` reports `count` leaf links. */
export async function waitForLeafs(node: Node, count = 1, timeoutMs = 10_000): Promise<Leafz> {
  return await waitUntil(`${node.spec.name} to have ${count} leaf link(s)`, async () => {
    const z = await leafz(node);
    return (z.leafs?.length ?? 0) === count ? z : undefined;
  }, timeoutMs);
}

/**
 * Waits until `node`'s links carry the peer's interest in `subject` (the subscription made on
 * the other side has crossed the link). `/leafz?subs=1` lists it on both kinds of server.
 */
export async function waitForInterest(
  node: Node,
  subject: string,
  present = true,
  timeoutMs = 8000,
): Promise<void> {
  await waitUntil(
    `${node.spec.name} to ${present ? "see" : "lose"} interest in ${subject}`,
    async () => {
      const z = await leafz(node);
      const has = (z.leafs ?? []).some((l) => (l.subscriptions_list ?? []).includes(subject));
      return has === present;
    },
    timeoutMs,
  );
}

/** Adds every node's recent output to an error, for failure reports. */
export function annotateNodes(err: unknown, ...nodes: (Node | null | undefined)[]): unknown {
  if (err instanceof Error) {
    for (const n of nodes) {
      if (!n) continue;
      err.message += `\n--- ${n.spec.kind} ${n.spec.name} (last output) ---\n${
        n.output().split("\n").slice(-60).join("\n")
      }`;
    }
  }
  return err;
}
