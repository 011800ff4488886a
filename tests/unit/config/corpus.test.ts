/**
 * Corpus: Skiff's loader must give the same verdict (ok or error) as `nats-server -t -c <file>`
 * 2.9.10 on every `corpus/*.conf`. The reference verdicts live in `corpus/expected.json`,
 * written by running the real server: `deno run -A tests/unit/config/corpus/regenerate.ts`.
 *
 * Like `-t`, the loader runs strict (a warning is an error). Configs whose verdict depends on
 * checks Skiff does not make yet (cluster/TLS files, accounts semantics) are kept out.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../../src/config/load.ts";
import { ConfigError } from "../../../src/config/errors.ts";

interface Expected {
  generatedBy: string;
  env: Record<string, string>;
  cases: Record<string, { verdict: "ok" | "error"; nats: string }>;
}

const dir = new URL("./corpus/", import.meta.url);
const expected: Expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", dir)));

Deno.test("corpus: expected.json covers every .conf in the folder, good and bad", () => {
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.endsWith(".conf"))
    .map((e) => e.name)
    .sort();
  assert.deepEqual(Object.keys(expected.cases).sort(), files);
  const verdicts = Object.values(expected.cases).map((c) => c.verdict);
  assert.ok(verdicts.filter((v) => v === "ok").length >= 10);
  assert.ok(verdicts.filter((v) => v === "error").length >= 10);
});

for (const [name, want] of Object.entries(expected.cases)) {
  Deno.test(`corpus: ${name} is ${want.verdict} as in nats-server`, async () => {
    const path = new URL(name, dir).pathname;
    let verdict: "ok" | "error" = "ok";
    let detail = "";
    try {
      await loadConfig(path, {
        readFile: (p) => Deno.readTextFile(p),
        env: (n) => expected.env[n],
        strict: true,
      });
    } catch (e) {
      verdict = "error";
      detail = String(e);
      assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
      // Every error names a file with line and column.
      assert.match(e.message, /^[^:]+\.conf:\d+:\d+: /);
    }
    assert.equal(
      verdict,
      want.verdict,
      `nats-server said: ${want.nats}\nskiff said: ${detail || "ok"}`,
    );
  });
}
