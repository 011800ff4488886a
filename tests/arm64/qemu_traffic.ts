/**
 * Traffic check for tests/arm64/qemu_check.sh: runs the linux-arm64 binary (under qemu, the
 * command comes from ARM64_CMD as a JSON array) first on its own, then as a leaf node of a host
 * hub (HUB_CMD, JSON array), and checks pub/sub and request/reply with the official client from
 * the host. Every wait polls a condition with a deadline; the whole run is bounded by
 * TOTAL_DEADLINE_MS. Exits non-zero with a message naming the failed step and the servers' last
 * output lines.
 *
 *   ARM64_CMD='["qemu-aarch64-static","dist/skiff-linux-arm64"]' HUB_CMD='["dist/skiff-linux-x64"]' \
 *     deno run -A tests/arm64/qemu_traffic.ts
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";

const TOTAL_DEADLINE_MS = Number(Deno.env.get("ARM64_CHECK_DEADLINE_MS") ?? 150_000);
const START_DEADLINE_MS = 45_000; // qemu start-up of a ~110 MB binary, on a busy 2-core box
const INTEREST_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 5_000;

const enc = new TextEncoder();
const dec = new TextDecoder();
const t0 = performance.now();

function elapsed(from = t0): string {
  return `${((performance.now() - from) / 1000).toFixed(2)}s`;
}

function log(msg: string): void {
  console.log(`[${elapsed()}] ${msg}`);
}

function cmdFromEnv(name: string): string[] {
  const raw = Deno.env.get(name);
  if (!raw) throw new Error(`${name} is not set (a JSON array: the command to run)`);
  const cmd = JSON.parse(raw);
  if (!Array.isArray(cmd) || cmd.length === 0) throw new Error(`${name} must be a JSON array`);
  return cmd.map(String);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

class Server {
  readonly #child: Deno.ChildProcess;
  readonly #tail: string[] = [];
  readonly exited: Promise<Deno.CommandStatus>;
  #done = false;

  constructor(readonly name: string, cmd: string[]) {
    this.#child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#drain(this.#child.stdout);
    this.#drain(this.#child.stderr);
    this.exited = this.#child.status.then((s) => {
      this.#done = true;
      return s;
    });
  }

  get pid(): number {
    return this.#child.pid;
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    let partial = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        this.#tail.push(line);
        if (this.#tail.length > 40) this.#tail.shift();
      }
    }
    if (partial) this.#tail.push(partial);
  }

  output(): string {
    return this.#tail.map((l) => `    [${this.name}] ${l}`).join("\n");
  }

  /** Polls until the port accepts a TCP connection; fails early if the process exits. */
  async waitForPort(port: number, deadlineMs = START_DEADLINE_MS): Promise<void> {
    const until = performance.now() + deadlineMs;
    while (performance.now() < until) {
      if (this.#done) throw new Error(`${this.name} exited before port ${port} accepted`);
      try {
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        c.close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`${this.name}: port ${port} did not accept within ${deadlineMs} ms`);
  }

  /** SIGTERM, bounded wait, then SIGKILL: only the process this object started. */
  async stop(): Promise<void> {
    if (this.#done) return;
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        if (!this.#done) this.#child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, STOP_DEADLINE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

const servers: Server[] = [];
const conns: NatsConnection[] = [];
const tmp = Deno.makeTempDirSync({ prefix: "skiff-arm64-" });

async function cleanup(): Promise<void> {
  await Promise.allSettled(conns.map((nc) => nc.close()));
  await Promise.allSettled(servers.map((s) => s.stop()));
  try {
    Deno.removeSync(tmp, { recursive: true });
  } catch { /* ignore */ }
}

function start(name: string, cmd: string[]): Server {
  const s = new Server(name, cmd);
  servers.push(s);
  log(`${name}: started pid ${s.pid}: ${cmd.join(" ")}`);
  return s;
}

async function client(name: string, port: number): Promise<NatsConnection> {
  const nc = await connect({ servers: `127.0.0.1:${port}`, name, timeout: 10_000 });
  conns.push(nc);
  return nc;
}

/**
 * Pub/sub from `pub` to `sub`: subscribes on `sub`, then publishes (again every 200 ms, until one
 * arrives or the deadline passes: until then the interest may not have crossed a leaf link).
 */
async function checkPubSub(
  label: string,
  pub: NatsConnection,
  sub: NatsConnection,
  subject: string,
): Promise<void> {
  const started = performance.now();
  const s = sub.subscribe(subject);
  await sub.flush();
  const want = `hello ${label} ${crypto.randomUUID()}`;
  let got: string | null = null;
  const reader = (async () => {
    for await (const m of s) {
      got = dec.decode(m.data);
      if (got === want) break;
    }
  })();
  let sent = 0;
  const until = performance.now() + INTEREST_DEADLINE_MS;
  while (got !== want && performance.now() < until) {
    pub.publish(subject, enc.encode(want));
    sent++;
    await pub.flush();
    await Promise.race([reader, new Promise((r) => setTimeout(r, 200))]);
  }
  s.unsubscribe();
  await reader;
  if (got !== want) {
    throw new Error(
      `${label}: pub/sub on ${subject}: nothing arrived in ${INTEREST_DEADLINE_MS} ms ` +
        `(${sent} publishes)`,
    );
  }
  log(`ok   ${label}: pub/sub ${subject} (${sent} publish(es), ${elapsed(started)})`);
}

/** Request/reply: a responder on `srv`, requests from `req` until one is answered (bounded). */
async function checkRequest(
  label: string,
  req: NatsConnection,
  srv: NatsConnection,
  subject: string,
): Promise<void> {
  const started = performance.now();
  const s = srv.subscribe(subject, {
    callback: (_err, m) => {
      m.respond(enc.encode(`echo:${dec.decode(m.data)}`));
    },
  });
  await srv.flush();
  const until = performance.now() + INTEREST_DEADLINE_MS;
  let tries = 0;
  let lastErr = "";
  try {
    while (performance.now() < until) {
      tries++;
      const body = `ping-${tries}`;
      try {
        const m = await req.request(subject, enc.encode(body), { timeout: 2000 });
        const text = dec.decode(m.data);
        if (text !== `echo:${body}`) throw new Error(`wrong reply ${JSON.stringify(text)}`);
        log(`ok   ${label}: request/reply ${subject} (${tries} attempt(s), ${elapsed(started)})`);
        return;
      } catch (err) {
        lastErr = (err as Error).message;
        if (lastErr.startsWith("wrong reply")) throw err;
        // No responders yet (interest still crossing the link): try again shortly.
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    s.unsubscribe();
  }
  throw new Error(
    `${label}: request/reply on ${subject}: no answer in ${INTEREST_DEADLINE_MS} ms ` +
      `(${tries} attempts, last error: ${lastErr})`,
  );
}

async function main(): Promise<void> {
  const arm = cmdFromEnv("ARM64_CMD");
  const hub = cmdFromEnv("HUB_CMD");

  // 1. The arm64 binary on its own.
  let phase = performance.now();
  const p1 = freePort();
  const solo = start("arm64", [...arm, "-a", "127.0.0.1", "-p", String(p1), "-n", "arm64-solo"]);
  await solo.waitForPort(p1);
  log(`arm64: port ${p1} accepts after ${elapsed(phase)}`);
  {
    const a = await client("host-a", p1);
    const b = await client("host-b", p1);
    await checkPubSub("standalone", a, b, "arm64.solo.ps");
    await checkRequest("standalone", a, b, "arm64.solo.svc");
    await a.close();
    await b.close();
  }
  const t = performance.now();
  await solo.stop();
  log(`arm64: stopped in ${elapsed(t)}; standalone phase took ${elapsed(phase)}`);

  // 2. The arm64 binary as a leaf of the host hub.
  phase = performance.now();
  const hubPort = freePort();
  const hubLeafPort = freePort();
  const leafPort = freePort();
  const hubConf = `${tmp}/hub.conf`;
  const leafConf = `${tmp}/leaf.conf`;
  Deno.writeTextFileSync(
    hubConf,
    `server_name: hub\nlisten: "127.0.0.1:${hubPort}"\n` +
      `leafnodes {\n  host: "127.0.0.1"\n  port: ${hubLeafPort}\n}\n`,
  );
  Deno.writeTextFileSync(
    leafConf,
    `server_name: arm64-leaf\nlisten: "127.0.0.1:${leafPort}"\n` +
      `leafnodes {\n  reconnect: 1\n  remotes: [ { url: "nats-leaf://127.0.0.1:${hubLeafPort}" } ]\n}\n`,
  );
  const hubSrv = start("hub", [...hub, "-c", hubConf]);
  await hubSrv.waitForPort(hubPort);
  await hubSrv.waitForPort(hubLeafPort);
  log(`hub: ports ${hubPort} (clients) and ${hubLeafPort} (leafnodes) accept`);
  const leafStart = performance.now();
  const leafSrv = start("arm64-leaf", [...arm, "-c", leafConf]);
  await leafSrv.waitForPort(leafPort);
  log(`arm64-leaf: port ${leafPort} accepts after ${elapsed(leafStart)}`);

  const h = await client("hub-client", hubPort);
  const l = await client("leaf-client", leafPort);
  await checkPubSub("hub -> leaf", h, l, "arm64.leaf.down");
  await checkPubSub("leaf -> hub", l, h, "arm64.leaf.up");
  await checkRequest("hub -> leaf", h, l, "arm64.leaf.svc");
  await checkRequest("leaf -> hub", l, h, "arm64.hub.svc");
  log(`leaf phase took ${elapsed(phase)}`);
}

const watchdog = setTimeout(async () => {
  console.error(`FAIL: arm64 check exceeded its ${TOTAL_DEADLINE_MS} ms budget`);
  for (const s of servers) console.error(s.output());
  await cleanup();
  Deno.exit(1);
}, TOTAL_DEADLINE_MS);

let code = 0;
try {
  await main();
  log("PASS: arm64 binary under qemu: standalone and as a leaf of the host hub");
} catch (err) {
  code = 1;
  console.error(`FAIL: ${(err as Error).message}`);
  for (const s of servers) {
    const out = s.output();
    if (out) console.error(`  last output of ${s.name}:\n${out}`);
  }
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
log(`total ${elapsed()}`);
Deno.exit(code);
