/**
 * Runs the unit suite (tests/unit/**\/*.test.ts, written for `deno test`) under Bun:
 *
 *   bun run tests/bun/run_unit.ts [filter]
 *
 * It installs a small `globalThis.Deno` with what the tests use (`Deno.test` in all its forms
 * and a TestContext with `step`, temp dirs, text files, readDirSync, env, build.os), imports
 * every test file in sorted order, then runs the registered tests one by one with a timeout.
 * `filter` keeps only tests whose name contains it; SKIFF_UNIT_TIMEOUT_MS sets the per-test
 * timeout (30 s). Prints `ok`/`FAILED` per test, then
 * `N passed, N failed, N skipped`; exits 1 on any failure.
 *
 * The source under test picks its platform by runtime (src/platform/select.ts), so it runs on
 * the Bun adapter. Tests that import the Deno file system adapter directly get the Bun one in
 * its place (a Bun loader plugin), so they exercise bun_fs.ts on a real disk.
 *
 * Bare imports (`hono`, `@noble/...`) resolve through node_modules/, which
 * `deno install --entrypoint main.ts` fills (./compile.sh --host runs it).
 */
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const TIMEOUT_MS = Number(process.env.SKIFF_UNIT_TIMEOUT_MS ?? 30_000);
const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const UNIT = join(ROOT, "tests", "unit");

// ---------------------------------------------------------------------------------------------
// Test registration, as Deno.test accepts it.

type TestFn = (t: TestContext) => void | Promise<void>;

interface TestDef {
  name: string;
  fn: TestFn;
  ignore?: boolean;
  only?: boolean;
  sanitizeOps?: boolean;
  sanitizeResources?: boolean;
  sanitizeExit?: boolean;
  permissions?: unknown;
}

interface TestContext {
  name: string;
  origin: string;
  step(
    nameOrDef: string | TestDef | TestFn,
    fn?: TestFn,
  ): Promise<boolean>;
}

interface Registered extends TestDef {
  origin: string;
}

const registered: Registered[] = [];
let currentOrigin = "";

function toDef(a: unknown, b?: unknown, c?: unknown): TestDef {
  if (typeof a === "string") {
    if (typeof b === "function") return { name: a, fn: b as TestFn };
    return { ...(b as Partial<TestDef>), name: a, fn: c as TestFn };
  }
  if (typeof a === "function") {
    if (typeof b === "function") {
      return { ...(a as Partial<TestDef>), fn: b as TestFn, name: a.name };
    }
    return { name: a.name || "<anonymous>", fn: a as TestFn };
  }
  const def = a as Partial<TestDef>;
  if (typeof b === "function") return { ...def, name: def.name ?? b.name, fn: b as TestFn };
  if (typeof def.fn !== "function") throw new TypeError(`Deno.test: no function for ${def.name}`);
  return { ...def, name: def.name ?? def.fn.name, fn: def.fn };
}

function test(a: unknown, b?: unknown, c?: unknown): void {
  registered.push({ ...toDef(a, b, c), origin: currentOrigin });
}
test.ignore = (a: unknown, b?: unknown, c?: unknown) =>
  registered.push({ ...toDef(a, b, c), ignore: true, origin: currentOrigin });
test.only = (a: unknown, b?: unknown, c?: unknown) =>
  registered.push({ ...toDef(a, b, c), only: true, origin: currentOrigin });

function context(name: string, origin: string, log: string[], depth: number): TestContext {
  return {
    name,
    origin,
    async step(nameOrDef, fn) {
      const def = toDef(nameOrDef, fn);
      const pad = "  ".repeat(depth + 1);
      if (def.ignore) {
        log.push(`${pad}${def.name} ... ignored`);
        return false;
      }
      try {
        await def.fn(context(def.name, origin, log, depth + 1));
        log.push(`${pad}${def.name} ... ok`);
        return true;
      } catch (err) {
        log.push(`${pad}${def.name} ... FAILED`);
        throw err;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The rest of the Deno namespace the tests touch.

class NotFound extends Error {
  override name = "NotFound";
}
class AlreadyExists extends Error {
  override name = "AlreadyExists";
}

function mapError(err: unknown): unknown {
  const code = (err as { code?: string } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "ENOENT") return new NotFound(message, { cause: err });
  if (code === "EEXIST") return new AlreadyExists(message, { cause: err });
  return err;
}

async function wrap<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw mapError(err);
  }
}

type PathLike = string | URL;
const p = (path: PathLike): string => path instanceof URL ? fileURLToPath(path) : path;

const osName = process.platform === "win32" ? "windows" : process.platform;
const archName = process.arch === "x64"
  ? "x86_64"
  : process.arch === "arm64"
  ? "aarch64"
  : process.arch;

const denoShim = {
  test,
  build: { os: osName, arch: archName, target: `${archName}-${osName}` },
  errors: { NotFound, AlreadyExists },
  args: process.argv.slice(2),
  pid: process.pid,
  cwd: () => process.cwd(),
  exit: (code?: number) => process.exit(code),
  execPath: () => process.execPath,
  env: {
    get: (key: string): string | undefined => process.env[key],
    set: (key: string, value: string) => {
      process.env[key] = value;
    },
    delete: (key: string) => {
      delete process.env[key];
    },
    has: (key: string) => key in process.env,
    toObject: () => ({ ...process.env }) as Record<string, string>,
  },
  makeTempDir: (opts?: { prefix?: string; dir?: string }) =>
    wrap(() => mkdtemp(join(opts?.dir ?? tmpdir(), opts?.prefix ?? "deno-"))),
  makeTempDirSync: (opts?: { prefix?: string; dir?: string }) =>
    mkdtempSync(join(opts?.dir ?? tmpdir(), opts?.prefix ?? "deno-")),
  mkdir: (path: PathLike, opts?: { recursive?: boolean }) =>
    wrap(async () => {
      await mkdir(p(path), { recursive: opts?.recursive ?? false });
    }),
  remove: (path: PathLike, opts?: { recursive?: boolean }) =>
    wrap(async () => {
      const target = p(path);
      await stat(target); // NotFound like Deno, even when recursive
      await rm(target, { recursive: opts?.recursive ?? false });
    }),
  readTextFile: (path: PathLike) => wrap(() => readFile(p(path), "utf8")),
  readFile: (path: PathLike) =>
    wrap(async () => {
      const buf = await readFile(p(path));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    }),
  writeTextFile: (path: PathLike, data: string) => wrap(() => writeFile(p(path), data)),
  writeFile: (path: PathLike, data: Uint8Array) => wrap(() => writeFile(p(path), data)),
  readDirSync: (path: PathLike) => {
    try {
      return readdirSync(p(path), { withFileTypes: true }).map((e) => ({
        name: e.name,
        isFile: e.isFile(),
        isDirectory: e.isDirectory(),
        isSymlink: e.isSymbolicLink(),
      }));
    } catch (err) {
      throw mapError(err);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Bun specifics, typed here so `deno check` needs no bun-types.

interface BunPluginBuild {
  onLoad(
    opts: { filter: RegExp },
    cb: (args: { path: string }) => { contents: string; loader: "ts" },
  ): void;
}
interface BunGlobal {
  version: string;
  plugin(plugin: { name: string; setup(build: BunPluginBuild): void }): void;
}

const bun = (globalThis as unknown as { Bun?: BunGlobal }).Bun;
if (bun === undefined) {
  console.error("tests/bun/run_unit.ts runs under Bun: bun run tests/bun/run_unit.ts");
  process.exit(2);
}

// The Deno file system adapter is Deno-only; tests that name it get the Bun adapter instead.
const bunFs = pathToFileURL(join(ROOT, "src", "platform", "bun_fs.ts")).href;
bun.plugin({
  name: "deno_fs -> bun_fs",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]platform[\\/]deno_fs\.ts$/ }, () => ({
      contents: `export { createBunFileSystem as createDenoFileSystem } from ${
        JSON.stringify(bunFs)
      };\n`,
      loader: "ts",
    }));
  },
});

(globalThis as unknown as { Deno: typeof denoShim }).Deno = denoShim;

// ---------------------------------------------------------------------------------------------
// Discovery, import, run.

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

// An error no test awaited (a rejected promise, a throw in a timer) fails the running test,
// as it would under Deno; outside any test it is reported and fails the run.
let strayErrors: unknown[] = [];
process.on("unhandledRejection", (err: unknown) => strayErrors.push(err));
process.on("uncaughtException", (err: unknown) => strayErrors.push(err));

async function main(): Promise<number> {
  const started = performance.now();
  const filter = process.argv[2];
  const files = findTests(UNIT).map((f) => relative(ROOT, f)).sort();
  console.log(`Bun ${bun!.version}: ${files.length} unit test files`);
  console.log("note: src/platform/deno_fs.ts is loaded as src/platform/bun_fs.ts on Bun");

  let failed = 0;
  const failures: string[] = [];
  for (const file of files) {
    currentOrigin = file;
    try {
      await import(pathToFileURL(join(ROOT, file)).href);
    } catch (err) {
      failed++;
      failures.push(`${file} (import)`);
      console.log(`FAILED import ${file}\n${indent(describe(err))}`);
    }
  }

  const anyOnly = registered.some((t) => t.only);
  let passed = 0, skipped = 0;
  let origin = "";
  for (const t of registered) {
    if (filter !== undefined && !t.name.includes(filter)) continue;
    if (t.origin !== origin) {
      origin = t.origin;
      console.log(`--- ${origin}`);
    }
    if (t.ignore || (anyOnly && !t.only)) {
      skipped++;
      console.log(`skip ${t.name}`);
      continue;
    }
    strayErrors = [];
    const log: string[] = [];
    const t0 = performance.now();
    let error: unknown = undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => t.fn(context(t.name, t.origin, log, 0))),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${TIMEOUT_MS / 1000} s`)),
            TIMEOUT_MS,
          );
        }),
      ]);
      // Let errors from the test's last turn surface before judging it.
      await new Promise((r) => setTimeout(r, 0));
    } catch (err) {
      error = err;
    } finally {
      clearTimeout(timer);
    }
    if (error === undefined && strayErrors.length > 0) {
      error = new Error(`uncaught error during the test: ${describe(strayErrors[0])}`);
    }
    const ms = Math.round(performance.now() - t0);
    for (const line of log) console.log(line);
    if (error === undefined) {
      passed++;
      console.log(`ok ${t.name} (${ms} ms)`);
    } else {
      failed++;
      failures.push(`${t.origin}: ${t.name}`);
      console.log(`FAILED ${t.name} (${ms} ms)\n${indent(describe(error))}`);
    }
  }
  if (anyOnly) {
    failed++;
    failures.push("a test is marked `only` (Deno fails such a run as well)");
  }

  if (failures.length > 0) {
    console.log("\nfailures:");
    for (const f of failures) console.log(`  ${f}`);
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\nBun ${bun!.version}, ${secs} s`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

function indent(text: string): string {
  return text.split("\n").map((l) => `    ${l}`).join("\n");
}

// Exit explicitly: a test may leave a timer or socket behind, which must not hang the run.
process.exit(await main());
