/** Test helpers for the config loaders: an in-memory file reader and error matchers. */

import assert from "node:assert/strict";
import { ConfigError } from "../../../src/config/errors.ts";
import { parseConfig } from "../../../src/config/conf_parser.ts";
import type { ConfMap } from "../../../src/config/conf_types.ts";
import { mapToPlain, type PlainValue } from "../../../src/config/conf_types.ts";

/** A `readFile` over a fixed set of files; a missing one rejects like the OS would. */
export function memFiles(files: Record<string, string>): (path: string) => Promise<string> {
  return (path) => {
    const text = files[path];
    if (text === undefined) {
      return Promise.reject(new Error(`open ${path}: no such file or directory`));
    }
    return Promise.resolve(text);
  };
}

/** An `env` over a fixed set of variables. */
export function memEnv(vars: Record<string, string> = {}): (name: string) => string | undefined {
  return (name) => vars[name];
}

/** Parses `text` as `test.conf` (plus optional other files) and drops positions. */
export async function parsePlain(
  text: string,
  files: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<{ [key: string]: PlainValue }> {
  const map: ConfMap = await parseConfig(text, "test.conf", {
    readFile: memFiles(files),
    env: memEnv(env),
  });
  return mapToPlain(map);
}

/** Asserts that `promise` rejects with a `ConfigError` whose message matches `pattern`. */
export async function rejectsConfig(
  promise: Promise<unknown>,
  pattern: RegExp,
): Promise<ConfigError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${caught}`);
  assert.ok(caught instanceof SyntaxError);
  assert.match(caught.message, pattern);
  return caught;
}
