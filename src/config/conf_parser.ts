/**
 * Parser for the NATS configuration language: turns `conf_lexer.ts` tokens into a `ConfMap` tree
 * whose every value carries its file:line:col, and resolves the two things that need context:
 *
 * - `$NAME` variables: looked up in the enclosing maps, innermost first (only keys written
 *   before the reference), then in the environment, whose value is itself parsed as a config
 *   value (`PORT=4222` gives an integer). Unquoted `$2a$...` (bcrypt hashes) are plain strings;
 *   inside quotes `$` is never special.
 * - `include path`: the file is read through `readFile` (paths are relative to the including
 *   file), parsed on its own (it does not see the includer's variables) and its keys are merged
 *   into the map where the directive stands.
 *
 * File reading and the environment come in as functions: this module never touches the runtime.
 */

import type { ConfEntry, ConfMap, ConfNode, ConfPos } from "./conf_types.ts";
import { ConfigError } from "./errors.ts";
import { lex, type Token } from "./conf_lexer.ts";
import { cleanPath, resolveRelative } from "./path.ts";

export interface ParseOptions {
  /** Reads a file as text; needed for `include` (and by `parseConfigFile`). */
  readFile?: (path: string) => Promise<string>;
  /** Environment lookup for `$NAME` when no enclosing map defines NAME. */
  env?: (name: string) => string | undefined;
}

const SIZE_FACTORS: Record<string, bigint> = { "": 1n };
for (const [i, unit] of ["k", "m", "g", "t", "p", "e"].entries()) {
  const decimal = 1000n ** BigInt(i + 1);
  const binary = 1024n ** BigInt(i + 1);
  SIZE_FACTORS[unit] = decimal;
  for (const s of ["b", "i", "ib"]) SIZE_FACTORS[unit + s] = binary;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const BCRYPT_PREFIX = /^2[aby]\$/;

/** Parses configuration text; `file` names the source in positions and errors. */
export function parseConfig(
  text: string,
  file: string,
  options: ParseOptions = {},
): Promise<ConfMap> {
  return new Parser(lex(text, file), file, options, [cleanPath(file)], new Set()).document();
}

/** Reads and parses a configuration file (`options.readFile` is required). */
export async function parseConfigFile(path: string, options: ParseOptions): Promise<ConfMap> {
  if (!options.readFile) throw new TypeError("parseConfigFile() needs options.readFile");
  let text: string;
  try {
    text = await options.readFile(path);
  } catch (e) {
    throw new ConfigError(path, 1, 1, `cannot read configuration file: ${errorText(e)}`);
  }
  return parseConfig(text, path, options);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Parser {
  readonly #tokens: Token[];
  readonly #file: string;
  readonly #options: ParseOptions;
  /** Files being parsed, outermost first: an include of one of them is a cycle. */
  readonly #files: readonly string[];
  /** Environment variables being expanded: a reference back to one of them is a cycle. */
  readonly #envNames: ReadonlySet<string>;
  #i = 0;

  constructor(
    tokens: Token[],
    file: string,
    options: ParseOptions,
    files: readonly string[],
    envNames: ReadonlySet<string>,
  ) {
    this.#tokens = tokens;
    this.#file = file;
    this.#options = options;
    this.#files = files;
    this.#envNames = envNames;
  }

  async document(): Promise<ConfMap> {
    const root: ConfMap = new Map();
    await this.#members(root, [root], "eof");
    return root;
  }

  #take(): Token {
    return this.#tokens[this.#i++];
  }

  #pos(t: Token): ConfPos {
    return { file: this.#file, line: t.line, col: t.col };
  }

  #fail(t: Token, detail: string, key?: string): never {
    throw new ConfigError(this.#file, t.line, t.col, detail, key);
  }

  /** Reads `key value` pairs and includes into `map` up to `end`. */
  async #members(map: ConfMap, scopes: ConfMap[], end: "eof" | "map_end"): Promise<void> {
    for (;;) {
      const t = this.#take();
      if (t.type === end) return;
      if (t.type === "include") {
        await this.#include(map, t);
      } else if (t.type === "key") {
        const node = await this.#value(scopes);
        const entry: ConfEntry = { ...this.#pos(t), key: t.text, node, referenced: false };
        map.set(t.text, entry);
      } else {
        this.#fail(t, `unexpected ${t.type.replace("_", " ")}`);
      }
    }
  }

  async #value(scopes: ConfMap[]): Promise<ConfNode> {
    const t = this.#take();
    const pos = this.#pos(t);
    switch (t.type) {
      case "string":
        return { kind: "string", value: t.text, ...pos };
      case "bool": {
        const word = t.text.toLowerCase();
        return { kind: "bool", value: word === "true" || word === "yes" || word === "on", ...pos };
      }
      case "int":
        return { kind: "int", value: this.#integer(t), ...pos };
      case "float": {
        const value = Number(t.text);
        if (!Number.isFinite(value)) this.#fail(t, `float '${t.text}' is out of range`);
        return { kind: "float", value, ...pos };
      }
      case "datetime": {
        const value = new Date(t.text);
        if (Number.isNaN(value.getTime())) this.#fail(t, `invalid datetime '${t.text}'`);
        return { kind: "date", value, ...pos };
      }
      case "variable":
        return await this.#variable(t, scopes);
      case "array_start": {
        const items: ConfNode[] = [];
        while (this.#tokens[this.#i].type !== "array_end") items.push(await this.#value(scopes));
        this.#i++;
        return { kind: "array", value: items, ...pos };
      }
      case "map_start": {
        const map: ConfMap = new Map();
        await this.#members(map, [...scopes, map], "map_end");
        return { kind: "map", value: map, ...pos };
      }
      default:
        this.#fail(t, `expected a value, got ${t.type.replace("_", " ")}`);
    }
  }

  /** `123`, `-5`, `1k` (1000), `1kb`/`1ki`/`1kib` (1024), same for m, g, t, p, e. */
  #integer(t: Token): number {
    const m = /^(-?[0-9]+)([A-Za-z]*)$/.exec(t.text);
    const factor = m ? SIZE_FACTORS[m[2].toLowerCase()] : undefined;
    if (!m || factor === undefined) this.#fail(t, `invalid integer size suffix in '${t.text}'`);
    const value = BigInt(m[1]) * factor;
    if (value > INT64_MAX || value < INT64_MIN) {
      this.#fail(t, `integer '${t.text}' is out of range`);
    }
    return Number(value);
  }

  async #variable(t: Token, scopes: ConfMap[]): Promise<ConfNode> {
    const name = t.text;
    const pos = this.#pos(t);
    if (BCRYPT_PREFIX.test(name)) return { kind: "string", value: "$" + name, ...pos };
    for (let i = scopes.length - 1; i >= 0; i--) {
      const entry = scopes[i].get(name);
      if (entry) {
        entry.referenced = true;
        return { ...entry.node, ...pos };
      }
    }
    const raw = this.#options.env?.(name);
    if (raw === undefined) this.#fail(t, `variable reference for '${name}' can not be found`);
    if (this.#envNames.has(name)) {
      this.#fail(t, `variable reference cycle through environment variable '${name}'`);
    }
    // The environment holds text; parse it the way a value in the file would be parsed.
    let tokens: Token[];
    try {
      tokens = lex(`pk=${raw}`, `$${name}`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.#fail(t, `environment variable '${name}' does not hold a valid value: ${e.detail}`);
    }
    let map: ConfMap;
    try {
      const envNames = new Set([...this.#envNames, name]);
      map = await new Parser(tokens, `$${name}`, this.#options, this.#files, envNames).document();
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      // A problem inside the value (a cycle, a missing variable) is reported at this reference.
      this.#fail(t, e.detail);
    }
    const entry = map.get("pk");
    if (!entry) this.#fail(t, `environment variable '${name}' does not hold a value`);
    return { ...entry.node, ...pos };
  }

  async #include(map: ConfMap, t: Token): Promise<void> {
    const readFile = this.#options.readFile;
    if (!readFile) this.#fail(t, `cannot include '${t.text}': no file reader was provided`);
    const path = resolveRelative(this.#file, t.text);
    if (this.#files.includes(path)) {
      this.#fail(t, `include cycle: ${[...this.#files, path].join(" -> ")}`);
    }
    let text: string;
    try {
      text = await readFile(path);
    } catch (e) {
      this.#fail(t, `error parsing include file '${t.text}': ${errorText(e)}`);
    }
    const included = await new Parser(
      lex(text, path),
      path,
      this.#options,
      [...this.#files, path],
      this.#envNames,
    ).document();
    for (const [key, entry] of included) map.set(key, entry);
  }
}
