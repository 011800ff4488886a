/**
 * Regenerates `expected.json`: the verdict of the reference server on every `*.conf` in this
 * folder (not `include/`), from `nats-server -t -c <file>` run here with a clean environment
 * (plus CORPUS_ENV). Exit status 0 is "ok", anything else (including a crash) is "error".
 *
 *   deno run -A tests/unit/config/corpus/regenerate.ts            # nats-server from PATH
 *   NATS_SERVER=/usr/sbin/nats-server deno run -A tests/unit/config/corpus/regenerate.ts
 *
 * Check the diff by hand: a changed verdict means nats-server or the corpus changed.
 */

export const CORPUS_ENV: Record<string, string> = { SKIFF_CORPUS_PORT: "4333" };

if (import.meta.main) {
  const dir = new URL(".", import.meta.url).pathname;
  const server = Deno.env.get("NATS_SERVER") ?? "nats-server";
  const version = new TextDecoder().decode(
    (await new Deno.Command(server, { args: ["-v"] }).output()).stdout,
  ).trim();
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".conf"))
    .map((e) => e.name)
    .sort();
  const cases: Record<string, { verdict: "ok" | "error"; nats: string }> = {};
  for (const name of files) {
    const out = await new Deno.Command(server, {
      args: ["-t", "-c", name],
      cwd: dir,
      clearEnv: true,
      env: CORPUS_ENV,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    const first = text.split("\n").find((l) => l.trim() !== "") ?? "";
    cases[name] = { verdict: out.success ? "ok" : "error", nats: first.slice(0, 200) };
    console.log(`${cases[name].verdict.padEnd(6)} ${name}`);
  }
  const doc = {
    generatedBy: `${version} -t -c <file> (tests/unit/config/corpus/regenerate.ts)`,
    env: CORPUS_ENV,
    cases,
  };
  await Deno.writeTextFile(`${dir}expected.json`, JSON.stringify(doc, null, 2) + "\n");
}
