/**
 * Footprint of the compiled Skiff binary next to nats-server on this machine: binary size,
 * start-up time until the client port accepts (median of RUNS), RSS when idle and with CONNS
 * idle client connections (each one through CONNECT + PING/PONG). Prints a Markdown table.
 *
 *   deno run -A tests/deploy/footprint.ts [skiff-binary] [nats-server-binary]
 *   (run by tests/deploy/footprint.sh, which raises the fd limit first)
 */

const RUNS = Number(Deno.env.get("FOOTPRINT_RUNS") ?? 10);
const CONNS = Number(Deno.env.get("FOOTPRINT_CONNS") ?? 1000);
const START_DEADLINE_MS = 20_000;
const SETTLE_MS = 1_000; // let the server finish start-up work before sampling RSS

const arch = Deno.build.arch === "aarch64" ? "arm64" : "x64";
const skiff = Deno.args[0] ?? `dist/skiff-linux-${arch}`;
const nats = Deno.args[1] ?? "/usr/sbin/nats-server";
const enc = new TextEncoder();

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = status.match(/^VmRSS:\s+(\d+) kB/m);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

interface Running {
  child: Deno.ChildProcess;
  port: number;
  startMs: number;
}

async function start(bin: string): Promise<Running> {
  const port = freePort();
  const t = performance.now();
  const child = new Deno.Command(bin, {
    args: ["-a", "127.0.0.1", "-p", String(port)],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const until = t + START_DEADLINE_MS;
  while (performance.now() < until) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const startMs = performance.now() - t;
      c.close();
      return { child, port, startMs };
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error(`${bin}: port ${port} did not accept within ${START_DEADLINE_MS} ms`);
}

async function stop(r: Running): Promise<void> {
  try {
    r.child.kill("SIGTERM");
  } catch { /* gone */ }
  const timer = setTimeout(() => {
    try {
      r.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 5000);
  await r.child.status;
  clearTimeout(timer);
}

/** Opens one client connection and completes CONNECT + PING/PONG. */
async function openClient(port: number): Promise<Deno.TcpConn> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  await c.write(enc.encode('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n'));
  const buf = new Uint8Array(4096);
  let seen = "";
  const until = performance.now() + 10_000;
  while (!seen.includes("PONG\r\n")) {
    if (performance.now() > until) throw new Error("no PONG within 10 s");
    const n = await c.read(buf);
    if (n === null) throw new Error("connection closed before PONG");
    seen += new TextDecoder().decode(buf.subarray(0, n));
  }
  return c;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Result {
  sizeBytes: number;
  startMedianMs: number;
  startMinMs: number;
  startMaxMs: number;
  rssIdleKiB: number;
  rssConnsKiB: number;
  version: string;
}

async function measure(bin: string): Promise<Result> {
  const sizeBytes = Deno.statSync(bin).size;
  const v = await new Deno.Command(bin, { args: ["--version"], stdout: "piped", stderr: "piped" })
    .output();
  const version = new TextDecoder().decode(v.stdout).trim().split("\n")[0];
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await start(bin);
    times.push(r.startMs);
    await stop(r);
  }
  const r = await start(bin);
  const conns: Deno.TcpConn[] = [];
  try {
    await new Promise((res) => setTimeout(res, SETTLE_MS));
    const rssIdleKiB = rssKiB(r.child.pid);
    for (let i = 0; i < CONNS; i += 100) {
      const batch = Math.min(100, CONNS - i);
      conns.push(...await Promise.all(Array.from({ length: batch }, () => openClient(r.port))));
    }
    await new Promise((res) => setTimeout(res, SETTLE_MS));
    const rssConnsKiB = rssKiB(r.child.pid);
    return {
      sizeBytes,
      startMedianMs: median(times),
      startMinMs: Math.min(...times),
      startMaxMs: Math.max(...times),
      rssIdleKiB,
      rssConnsKiB,
      version,
    };
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await stop(r);
  }
}

const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const s = await measure(skiff);
const n = await measure(nats);
const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.*)$/m)?.[1] ??
  Deno.build.arch;

console.log(
  `Measured on ${cpu} (${navigator.hardwareConcurrency} cores), ${Deno.build.os}, ` +
    `${new Date().toISOString().slice(0, 10)}; start-up = spawn until the client port accepts ` +
    `a TCP connection, median of ${RUNS} (min-max); RSS = VmRSS, ${SETTLE_MS / 1000} s after ` +
    `start / after the last of ${CONNS} clients got its PONG.\n`,
);
console.log(`| | Skiff (\`${skiff}\`) | nats-server (\`${nats}\`) | Skiff / nats-server |`);
console.log("|---|---:|---:|---:|");
console.log(`| version | ${s.version} | ${n.version} | |`);
console.log(
  `| binary size | ${mib(s.sizeBytes / 1024)} | ${mib(n.sizeBytes / 1024)} | ` +
    `${(s.sizeBytes / n.sizeBytes).toFixed(1)}x |`,
);
console.log(
  `| start-up until port accepts | ${s.startMedianMs.toFixed(0)} ms ` +
    `(${s.startMinMs.toFixed(0)}-${s.startMaxMs.toFixed(0)}) | ${n.startMedianMs.toFixed(0)} ms ` +
    `(${n.startMinMs.toFixed(0)}-${n.startMaxMs.toFixed(0)}) | ` +
    `${(s.startMedianMs / n.startMedianMs).toFixed(1)}x |`,
);
console.log(
  `| RSS idle | ${mib(s.rssIdleKiB)} | ${mib(n.rssIdleKiB)} | ` +
    `${(s.rssIdleKiB / n.rssIdleKiB).toFixed(1)}x |`,
);
console.log(
  `| RSS with ${CONNS} idle connections | ${mib(s.rssConnsKiB)} | ${mib(n.rssConnsKiB)} | ` +
    `${(s.rssConnsKiB / n.rssConnsKiB).toFixed(1)}x |`,
);
console.log(
  `| RSS per connection | ${((s.rssConnsKiB - s.rssIdleKiB) / CONNS).toFixed(1)} KiB | ` +
    `${((n.rssConnsKiB - n.rssIdleKiB) / CONNS).toFixed(1)} KiB | |`,
);
