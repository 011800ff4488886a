/**
 * Lexer for the NATS configuration language (the format of nats-server's `conf/lex.go`, written
 * afresh). It turns text into a flat token list; `conf_parser.ts` builds the tree.
 *
 * The language is context dependent, so the lexer walks the structure itself: a document is a
 * list of `key value` pairs; keys end at whitespace, `=` or `:`; a value is a quoted or bare
 * string, number, boolean, datetime, `$variable`, `[array]`, `{map}` or `( block )`; an
 * `include path` directive may stand where a key would. Where nats-server 2.9.10 is quirky but
 * harmless (a number glued to letters such as `3secret` is a string, `1.2.3.4:80` is a string,
 * `port: 1, debug: true` is fine at top level) the lexer behaves the same; where it loops, crashes
 * or silently drops a key (an unterminated `(` block, `[1]`, a key with no value) it reports an
 * error or does the obvious thing instead.
 */

import { ConfigError } from "./errors.ts";

export type TokenType =
  | "key"
  | "string"
  | "bool"
  | "int"
  | "float"
  | "datetime"
  | "variable"
  | "include"
  | "array_start"
  | "array_end"
  | "map_start"
  | "map_end"
  | "eof";

export interface Token {
  readonly type: TokenType;
  /** Decoded text: string contents without quotes, a variable name without `$`, raw numbers. */
  readonly text: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

type Context = "top" | "map";

const SPACE = /\s/;
const DATE_REST = "00-00T00:00:00Z"; // after "YYYY-"; '0' stands for a digit
const BOOL_WORDS = new Set(["true", "false", "yes", "no", "on", "off"]);

function isSpace(c: string): boolean {
  return c !== "" && SPACE.test(c);
}

function isBlank(c: string): boolean {
  return c === " " || c === "\t";
}

function isNL(c: string): boolean {
  return c === "\n" || c === "\r";
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function isSizeSuffix(c: string): boolean {
  return c !== "" && "kKmMgGtTpPeE".includes(c);
}

/** Characters of a dotted address such as `127.0.0.1:4222` once a second `.` was seen. */
function isAddressChar(c: string): boolean {
  return isDigit(c) || c === "." || c === ":" || c === "-";
}

/** Characters that end a bare (unquoted) value. */
function endsBareValue(c: string): boolean {
  return c === "" || isNL(c) || isBlank(c) || c === ";" || c === "," || c === "]" || c === "}";
}

function show(c: string): string {
  if (c === "") return "end of file";
  if (c === "\n") return "'\\n'";
  if (c === "\r") return "'\\r'";
  if (c === "\t") return "'\\t'";
  return `'${c}'`;
}

/** Splits `src` (the contents of `file`) into tokens; throws `ConfigError` on bad syntax. */
export function lex(src: string, file: string): Token[] {
  return new Lexer(src, file).run();
}

class Lexer {
  readonly #src: string;
  readonly #file: string;
  #i = 0;
  #line = 1;
  #lineStart = 0;
  readonly #tokens: Token[] = [];

  constructor(src: string, file: string) {
    // A UTF-8 byte order mark is not part of the first key.
    this.#src = src.charCodeAt(0) === 0xfeff ? src.slice(1) : src;
    this.#file = file;
  }

  run(): Token[] {
    this.#document();
    return this.#tokens;
  }

  // ---- cursor -------------------------------------------------------------------------------

  #peek(ahead = 0): string {
    return this.#src[this.#i + ahead] ?? "";
  }

  #next(): string {
    const c = this.#src[this.#i] ?? "";
    if (c === "") return c;
    this.#i++;
    if (c === "\n") {
      this.#line++;
      this.#lineStart = this.#i;
    }
    return c;
  }

  #here(): { line: number; col: number } {
    return { line: this.#line, col: this.#i - this.#lineStart + 1 };
  }

  #fail(detail: string, at = this.#here()): never {
    throw new ConfigError(this.#file, at.line, at.col, detail);
  }

  #emit(type: TokenType, text: string, at: { line: number; col: number }): void {
    this.#tokens.push({ type, text, line: at.line, col: at.col });
  }

  #atComment(): boolean {
    const c = this.#peek();
    return c === "#" || (c === "/" && this.#peek(1) === "/");
  }

  /** Consumes a comment up to (not including) the end of the line. */
  #skipComment(): void {
    while (this.#peek() !== "" && !isNL(this.#peek())) this.#next();
  }

  // ---- structure ----------------------------------------------------------------------------

  #document(): void {
    for (;;) {
      const c = this.#peek();
      // A top-level `{ ... }` wrapper (JSON) is transparent; stray `;` are ignored.
      if (isSpace(c) || c === "{" || c === "}" || c === ";") {
        this.#next();
      } else if (this.#atComment()) {
        this.#skipComment();
      } else if (c === "") {
        this.#emit("eof", "", this.#here());
        return;
      } else if (c === "/") {
        this.#fail("unexpected '/': comments start with '#' or '//'");
      } else {
        this.#entry("top");
        this.#topValueEnd();
      }
    }
  }

  /** After a top-level value: blanks, then a comment, new line, `;`, `,`, `}` or end of file. */
  #topValueEnd(): void {
    for (;;) {
      const c = this.#peek();
      if (isBlank(c)) {
        this.#next();
      } else if (this.#atComment()) {
        this.#skipComment();
        return;
      } else if (c === "" || isNL(c) || c === ";" || c === "," || c === "}") {
        this.#next();
        return;
      } else {
        this.#fail(`expected a new line, ';' or comment after the value, got ${show(c)}`);
      }
    }
  }

  /** One `key value` pair, or an `include` directive, in a document or map. */
  #entry(ctx: Context): void {
    const at = this.#here();
    const c = this.#peek();
    let key: string;
    if (c === "=" || c === ":") {
      this.#fail(`unexpected key separator '${c}'`);
    } else if (c === '"' || c === "'") {
      this.#next();
      const start = this.#i;
      while (this.#peek() !== c) {
        if (this.#peek() === "") this.#fail("unterminated quoted key", at);
        this.#next();
      }
      key = this.#src.slice(start, this.#i);
      this.#next();
    } else {
      const start = this.#i;
      while (!isSpace(this.#peek()) && this.#peek() !== "=" && this.#peek() !== ":") {
        if (this.#peek() === "") {
          if (ctx === "map") this.#fail("unexpected end of file in a map key", at);
          break;
        }
        this.#next();
      }
      key = this.#src.slice(start, this.#i);
      // `include` is a directive only when followed by whitespace: `include: x` is a key.
      if (key.toLowerCase() === "include" && isSpace(this.#peek())) {
        this.#include();
        return;
      }
    }
    this.#emit("key", key, at);

    // Between key and value: any whitespace (new lines too), then an optional `=` or `:`.
    while (isSpace(this.#peek())) this.#next();
    const sep = this.#peek();
    if (sep === "=" || sep === ":") {
      this.#next();
      // After an explicit separator a top-level value must be on the same line; map values
      // may start on the next one.
      if (ctx === "map") {
        while (isSpace(this.#peek())) this.#next();
      }
    }
    if (ctx === "map") {
      const v = this.#peek();
      if (v === "," || v === "}" || v === ";" || v === "") {
        this.#fail(`expected a value for key ${JSON.stringify(key)}, got ${show(v)}`);
      }
    } else if (this.#peek() === "") {
      this.#fail(`expected a value for key ${JSON.stringify(key)}, got end of file`);
    }
    this.#value();
  }

  #include(): void {
    while (isBlank(this.#peek())) this.#next();
    const at = this.#here();
    const c = this.#peek();
    if (c === '"' || c === "'") {
      this.#next();
      const start = this.#i;
      while (this.#peek() !== c) {
        if (this.#peek() === "") this.#fail("unterminated include path", at);
        this.#next();
      }
      this.#emit("include", this.#src.slice(start, this.#i), at);
      this.#next();
      return;
    }
    if (c === "" || isNL(c) || "[{(-\\".includes(c) || isDigit(c)) {
      this.#fail(`expected an include path, got ${show(c)}`);
    }
    const start = this.#i;
    for (;;) {
      const d = this.#peek();
      if (d === "" || isNL(d) || isBlank(d) || d === ";" || d === "}") break;
      if (d === "'") {
        this.#emit("include", this.#src.slice(start, this.#i), at);
        this.#next();
        return;
      }
      this.#next();
    }
    this.#emit("include", this.#src.slice(start, this.#i), at);
  }

  #map(): void {
    this.#emit("map_start", "{", this.#here());
    const open = this.#here();
    this.#next();
    for (;;) {
      // Key position: whitespace, comments, the closing brace.
      const c = this.#skipFiller(isSpace);
      if (c === "}") {
        this.#emit("map_end", "}", this.#here());
        this.#next();
        return;
      }
      if (c === "") this.#fail("unterminated map: expected '}'", open);
      if (c === "]") this.#fail("unexpected ']' in a map");
      if (c === ",") this.#fail("unexpected ',' in a map: expected a key");
      this.#entry("map");
      // After a value: blanks or a comment, then `,`, `;`, a new line or `}`.
      const d = this.#skipFiller(isBlank);
      if (d === "," || d === ";" || isNL(d)) this.#next();
      else if (d === "") this.#fail("unterminated map: expected '}'", open);
      else if (d !== "}") this.#fail(`expected ',' or '}' after a map value, got ${show(d)}`);
    }
  }

  #array(): void {
    this.#emit("array_start", "[", this.#here());
    const open = this.#here();
    this.#next();
    for (;;) {
      const c = this.#skipFiller(isSpace);
      if (c === "]") {
        this.#emit("array_end", "]", this.#here());
        this.#next();
        return;
      }
      if (c === "") this.#fail("unterminated array: expected ']'", open);
      if (c === ",") this.#fail("unexpected ',' in an array: expected a value");
      this.#value();
      const d = this.#skipFiller(isBlank);
      if (d === "," || isNL(d)) this.#next();
      else if (d === "") this.#fail("unterminated array: expected ']'", open);
      else if (d !== "]") this.#fail(`expected ',' or ']' after an array value, got ${show(d)}`);
    }
  }

  /** Skips characters `filler` accepts, and comments; returns the next character. */
  #skipFiller(filler: (c: string) => boolean): string {
    for (;;) {
      const c = this.#peek();
      if (filler(c)) this.#next();
      else if (this.#atComment()) this.#skipComment();
      else return c;
    }
  }

  // ---- values -------------------------------------------------------------------------------

  #value(): void {
    while (isBlank(this.#peek())) this.#next();
    const c = this.#peek();
    if (c === "" || isNL(c)) this.#fail(`expected a value, got ${show(c)}`);
    if (c === "[") return this.#array();
    if (c === "{") return this.#map();
    if (c === "'") return this.#singleQuoted();
    if (c === '"') return this.#doubleQuoted();
    if (c === "(") return this.#block();
    if (c === "-") return this.#negativeNumber();
    if (isDigit(c)) return this.#number();
    if (c === ".") this.#fail("floats must start with a digit");
    this.#bare(this.#i, this.#here());
  }

  #singleQuoted(): void {
    const at = this.#here();
    this.#next();
    const start = this.#i;
    while (this.#peek() !== "'") {
      if (this.#peek() === "") this.#fail("unterminated string", at);
      this.#next();
    }
    this.#emit("string", this.#src.slice(start, this.#i), at);
    this.#next();
  }

  #doubleQuoted(): void {
    const at = this.#here();
    this.#next();
    const out = new StringBuilder();
    for (;;) {
      const c = this.#peek();
      if (c === "") this.#fail("unterminated string", at);
      if (c === '"') break;
      if (c === "\\") this.#escape(out);
      else out.text(this.#next());
    }
    this.#next();
    this.#emit("string", out.done(), at);
  }

  /** `\t \n \r \" \\ \xHH`, the escapes nats-server accepts; the cursor is on the `\`. */
  #escape(out: StringBuilder): void {
    const at = this.#here();
    this.#next();
    const c = this.#next();
    switch (c) {
      case "t":
        return out.text("\t");
      case "n":
        return out.text("\n");
      case "r":
        return out.text("\r");
      case '"':
        return out.text('"');
      case "\\":
        return out.text("\\");
      case "x": {
        const hex = this.#peek() + this.#peek(1);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          this.#fail(`expected two hexadecimal digits after '\\x', got ${JSON.stringify(hex)}`);
        }
        this.#next();
        this.#next();
        return out.byte(parseInt(hex, 16));
      }
    }
    this.#fail(
      `invalid escape character ${show(c)}; only \\xXX, \\t, \\n, \\r, \\" and \\\\ are allowed`,
      at,
    );
  }

  /**
   * A bare string from `start` (which may already be behind the cursor when a number turned
   * out to be text, as in `3secret`). Classified at the end: boolean word, `$variable` or string.
   */
  #bare(start: number, at: { line: number; col: number }): void {
    const out = new StringBuilder();
    out.text(this.#src.slice(start, this.#i));
    let escaped = false;
    let quoteEnded = false;
    for (;;) {
      const c = this.#peek();
      if (endsBareValue(c)) break;
      if (c === "'") {
        // nats-server ends a bare string at a single quote and drops the quote.
        this.#next();
        quoteEnded = true;
        break;
      }
      if (c === "\\") {
        escaped = true;
        this.#escape(out);
      } else {
        out.text(this.#next());
      }
    }
    const text = out.done();
    if (!escaped && !quoteEnded && BOOL_WORDS.has(text.toLowerCase())) {
      this.#emit("bool", text, at);
    } else if (!escaped && !quoteEnded && text.startsWith("$")) {
      this.#emit("variable", text.slice(1), at);
    } else {
      this.#emit("string", text, at);
    }
  }

  #block(): void {
    const at = this.#here();
    this.#next();
    const start = this.#i;
    // The block ends at a `)` alone on its line.
    for (;;) {
      const c = this.#peek();
      if (c === "") this.#fail("unterminated block: expected ')' alone on a line", at);
      if (
        c === ")" && this.#src[this.#i - 1] === "\n" &&
        (this.#peek(1) === "" || isNL(this.#peek(1)))
      ) {
        this.#emit("string", this.#src.slice(start, this.#i), at);
        this.#next();
        return;
      }
      this.#next();
    }
  }

  #digits(): void {
    while (isDigit(this.#peek())) this.#next();
  }

  #negativeNumber(): void {
    const at = this.#here();
    const start = this.#i;
    this.#next();
    if (!isDigit(this.#peek())) {
      this.#fail(`expected a digit after '-', got ${show(this.#peek())}`);
    }
    this.#digits();
    const c = this.#peek();
    if (c === ".") return this.#float(start, at);
    if (isSizeSuffix(c)) return this.#sized(start, at);
    this.#emit("int", this.#src.slice(start, this.#i), at);
  }

  /** A value starting with a digit: integer, sized integer, float, datetime, IP or string. */
  #number(): void {
    const at = this.#here();
    const start = this.#i;
    this.#digits();
    const c = this.#peek();
    if (c === "-") {
      if (this.#i - start !== 4) {
        this.#fail("datetimes must be in full Zulu form: YYYY-MM-DDTHH:MM:SSZ", at);
      }
      return this.#datetime(start, at);
    }
    if (c === ".") return this.#float(start, at);
    if (isSizeSuffix(c)) return this.#sized(start, at);
    if (endsBareValue(c)) return this.#emit("int", this.#src.slice(start, this.#i), at);
    // Digits glued to other characters (`3secret`, `1_000`, `127.0.0.1x`) are text.
    this.#bare(start, at);
  }

  /** `1k`, `10MB`, `2GiB`: the parser checks the suffix; `1kx`, `2m30s` are strings. */
  #sized(start: number, at: { line: number; col: number }): void {
    this.#next();
    while (this.#peek() !== "" && "bBiI".includes(this.#peek())) this.#next();
    const c = this.#peek();
    if (endsBareValue(c) || isDigit(c)) {
      this.#emit("int", this.#src.slice(start, this.#i), at);
    } else {
      this.#bare(start, at);
    }
  }

  /** After the integer part of a float; a second `.` makes it an address (`10.0.0.1:4222`). */
  #float(start: number, at: { line: number; col: number }): void {
    this.#next();
    if (!isDigit(this.#peek())) {
      this.#fail(`floats must have a digit after the '.', got ${show(this.#peek())}`);
    }
    this.#digits();
    if (this.#peek() !== ".") {
      this.#emit("float", this.#src.slice(start, this.#i), at);
      return;
    }
    while (isAddressChar(this.#peek())) this.#next();
    this.#emit("string", this.#src.slice(start, this.#i), at);
  }

  #datetime(start: number, at: { line: number; col: number }): void {
    this.#next(); // the '-' after the year
    for (const want of DATE_REST) {
      const c = this.#peek();
      const ok = want === "0" ? isDigit(c) : c === want;
      if (!ok) {
        this.#fail(
          `expected ${want === "0" ? "a digit" : `'${want}'`} in an ISO8601 datetime, got ${
            show(c)
          }`,
        );
      }
      this.#next();
    }
    this.#emit("datetime", this.#src.slice(start, this.#i), at);
  }
}

/** Builds a string from text and `\xHH` bytes; runs of bytes are decoded as UTF-8. */
class StringBuilder {
  #parts: string[] = [];
  #bytes: number[] = [];

  text(s: string): void {
    this.#flush();
    this.#parts.push(s);
  }

  byte(b: number): void {
    this.#bytes.push(b);
  }

  done(): string {
    this.#flush();
    return this.#parts.join("");
  }

  #flush(): void {
    if (this.#bytes.length === 0) return;
    this.#parts.push(new TextDecoder().decode(new Uint8Array(this.#bytes)));
    this.#bytes = [];
  }
}
