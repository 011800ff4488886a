/** Config lexer (src/config/conf_lexer.ts): token kinds, positions and syntax errors. */

import assert from "node:assert/strict";
import { lex, type Token } from "../../../src/config/conf_lexer.ts";
import { ConfigError } from "../../../src/config/errors.ts";

/** Tokens as `type:text` strings, without the trailing eof. */
function kinds(src: string): string[] {
  const tokens = lex(src, "t.conf");
  assert.equal(tokens.at(-1)?.type, "eof");
  return tokens.slice(0, -1).map((t: Token) => `${t.type}:${t.text}`);
}

function lexError(src: string, line: number, col: number, pattern: RegExp): void {
  assert.throws(() => lex(src, "t.conf"), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.match(e.message, pattern);
    assert.deepEqual([e.file, e.line, e.col], ["t.conf", line, col], e.message);
    assert.ok(e.message.startsWith(`t.conf:${line}:${col}: `), e.message);
    return true;
  });
}

Deno.test("lexer: '=', ':' and whitespace all separate key and value", () => {
  for (const src of ["port = 4222", "port: 4222", "port 4222", "port=4222", "port:4222"]) {
    assert.deepEqual(kinds(src), ["key:port", "int:4222"], src);
  }
});

Deno.test("lexer: a key's value may start on the next line only without a separator", () => {
  assert.deepEqual(kinds("port\n4222"), ["key:port", "int:4222"]);
  lexError("port =\n4222", 1, 7, /expected a value, got '\\n'/);
});

Deno.test("lexer: '#' and '//' comments, alone and after values", () => {
  assert.deepEqual(kinds("# a\n// b\nport: 1 # c\ndebug: true // d\n"), [
    "key:port",
    "int:1",
    "key:debug",
    "bool:true",
  ]);
});

Deno.test("lexer: ';' and ',' end top-level values", () => {
  assert.deepEqual(kinds("a: 1; b: 2;\nc: 3, d: 4"), [
    "key:a",
    "int:1",
    "key:b",
    "int:2",
    "key:c",
    "int:3",
    "key:d",
    "int:4",
  ]);
});

Deno.test("lexer: maps, with or without a separator before '{'", () => {
  const want = ["key:a", "map_start:{", "key:b", "int:1", "key:c", "string:x", "map_end:}"];
  assert.deepEqual(kinds("a { b: 1, c: x }"), want);
  assert.deepEqual(kinds("a: {b: 1; c: x}"), want);
  assert.deepEqual(kinds("a = {\n  b = 1 # one\n  c x\n}"), want);
  assert.deepEqual(kinds("a {\n b =\n 1\n c: x }"), want);
});

Deno.test("lexer: arrays split by commas and/or new lines, with comments", () => {
  const want = ["key:a", "array_start:[", "int:1", "string:b", "string:c", "array_end:]"];
  assert.deepEqual(kinds("a: [1, b, c]"), want);
  assert.deepEqual(kinds("a: [1, b, c,]"), want);
  assert.deepEqual(kinds("a [\n  1\n  b # two\n  // three\n  c\n]"), want);
  assert.deepEqual(kinds("a: [1]"), ["key:a", "array_start:[", "int:1", "array_end:]"]);
});

Deno.test("lexer: quoted strings, single quotes are raw, double quotes have escapes", () => {
  assert.deepEqual(kinds(`a: 'x\\ty'`), ["key:a", "string:x\\ty"]);
  assert.deepEqual(kinds(`a: "x\\ty\\n\\r\\"\\\\"`), ["key:a", 'string:x\ty\n\r"\\']);
  assert.deepEqual(kinds(`a: "\\xc3\\xa9t\\x41"`), ["key:a", "string:étA"]);
  assert.deepEqual(kinds(`a: "two\nlines"`), ["key:a", "string:two\nlines"]);
  assert.deepEqual(kinds(`a: "$X"`), ["key:a", "string:$X"]);
});

Deno.test("lexer: quoted keys", () => {
  assert.deepEqual(kinds(`"a b": 1\n'c': 2`), ["key:a b", "int:1", "key:c", "int:2"]);
});

Deno.test("lexer: bare strings, host:port and numbers glued to letters", () => {
  assert.deepEqual(kinds("a: localhost:4222"), ["key:a", "string:localhost:4222"]);
  assert.deepEqual(kinds("a: 127.0.0.1:4222"), ["key:a", "string:127.0.0.1:4222"]);
  assert.deepEqual(kinds("a: 1.2.3.4"), ["key:a", "string:1.2.3.4"]);
  assert.deepEqual(kinds("a: 3secret"), ["key:a", "string:3secret"]);
  assert.deepEqual(kinds("a: 500ms"), ["key:a", "string:500ms"]);
  assert.deepEqual(kinds("a: 1_000"), ["key:a", "string:1_000"]);
  assert.deepEqual(kinds("a: nats://h:4222/x"), ["key:a", "string:nats://h:4222/x"]);
  assert.deepEqual(kinds("a: x#y"), ["key:a", "string:x#y"]);
});

Deno.test("lexer: integers, size suffixes, negatives and floats", () => {
  assert.deepEqual(kinds("a: 42"), ["key:a", "int:42"]);
  assert.deepEqual(kinds("a: -1"), ["key:a", "int:-1"]);
  assert.deepEqual(kinds("a: 1k"), ["key:a", "int:1k"]);
  assert.deepEqual(kinds("a: 64MB"), ["key:a", "int:64MB"]);
  assert.deepEqual(kinds("a: 2GiB"), ["key:a", "int:2GiB"]);
  assert.deepEqual(kinds("a: 1ki"), ["key:a", "int:1ki"]);
  assert.deepEqual(kinds("a: -2k"), ["key:a", "int:-2k"]);
  assert.deepEqual(kinds("a: 1.5"), ["key:a", "float:1.5"]);
  assert.deepEqual(kinds("a: -0.25"), ["key:a", "float:-0.25"]);
});

Deno.test("lexer: booleans in every spelling and case", () => {
  for (const word of ["true", "false", "yes", "no", "on", "off", "TRUE", "Off"]) {
    assert.deepEqual(kinds(`a: ${word}`), ["key:a", `bool:${word}`]);
  }
  assert.deepEqual(kinds(`a: "true"`), ["key:a", "string:true"]);
});

Deno.test("lexer: variables, bcrypt hashes and datetimes", () => {
  assert.deepEqual(kinds("a: $PORT"), ["key:a", "variable:PORT"]);
  assert.deepEqual(kinds("a: $2a$11$abc"), ["key:a", "variable:2a$11$abc"]);
  assert.deepEqual(kinds("a: 2024-05-01T10:20:30Z"), ["key:a", "datetime:2024-05-01T10:20:30Z"]);
});

Deno.test("lexer: include directives, bare and quoted", () => {
  assert.deepEqual(kinds("include ./x.conf\na: 1"), ["include:./x.conf", "key:a", "int:1"]);
  assert.deepEqual(kinds(`include "x y.conf"`), ["include:x y.conf"]);
  assert.deepEqual(kinds(`INCLUDE 'x.conf'`), ["include:x.conf"]);
  assert.deepEqual(kinds("a { include x.conf }"), [
    "key:a",
    "map_start:{",
    "include:x.conf",
    "map_end:}",
  ]);
  // Followed by a separator, `include` is an ordinary key.
  assert.deepEqual(kinds("include: x"), ["key:include", "string:x"]);
});

Deno.test("lexer: ( ... ) blocks run to a ')' alone on a line", () => {
  assert.deepEqual(kinds("a: (\nline one\n) not yet\n)\nb: 1"), [
    "key:a",
    "string:\nline one\n) not yet\n",
    "key:b",
    "int:1",
  ]);
});

Deno.test("lexer: JSON is valid input", () => {
  assert.deepEqual(kinds(`{"port": 4222, "tags": ["a", 1], "auth": {"timeout": 1.5}}`), [
    "key:port",
    "int:4222",
    "key:tags",
    "array_start:[",
    "string:a",
    "int:1",
    "array_end:]",
    "key:auth",
    "map_start:{",
    "key:timeout",
    "float:1.5",
    "map_end:}",
  ]);
});

Deno.test("lexer: positions are 1-based line and column of the token start", () => {
  const tokens = lex("a: 1\n  bb {\n    c: 'x'\n  }\n", "t.conf");
  assert.deepEqual(tokens.map((t) => [t.type, t.line, t.col]), [
    ["key", 1, 1],
    ["int", 1, 4],
    ["key", 2, 3],
    ["map_start", 2, 6],
    ["key", 3, 5],
    ["string", 3, 8],
    ["map_end", 4, 3],
    ["eof", 5, 1],
  ]);
});

Deno.test("lexer: unterminated strings, maps, arrays and blocks name where they start", () => {
  lexError('a: 1\nb: "abc', 2, 4, /unterminated string/);
  lexError("b: 'abc", 1, 4, /unterminated string/);
  lexError("a {\n  b: 1\n", 1, 3, /unterminated map/);
  lexError("a: [1,\n 2", 1, 4, /unterminated array/);
  lexError("a: (\nxyz\n", 1, 4, /unterminated block/);
  lexError('"a: 1', 1, 1, /unterminated quoted key/);
  lexError("a { b", 1, 5, /end of file in a map key/);
});

Deno.test("lexer: malformed values", () => {
  lexError("a: abc def", 1, 8, /expected a new line, ';' or comment after the value, got 'd'/);
  lexError("a: 1.5x", 1, 7, /got 'x'/);
  lexError("a: .5", 1, 4, /floats must start with a digit/);
  lexError("a: 1.x", 1, 6, /floats must have a digit after the '.'/);
  lexError("a: -x", 1, 5, /expected a digit after '-'/);
  lexError("a: 1-2", 1, 4, /datetimes must be in full Zulu form/);
  lexError("a: 2024-05-01", 1, 14, /expected 'T' in an ISO8601 datetime/);
  lexError("a: 1e3", 1, 6, /got '3'/);
  lexError(`a: "\\q"`, 1, 5, /invalid escape character 'q'/);
  lexError(`a: "\\xZZ"`, 1, 7, /two hexadecimal digits/);
  lexError("a: [1,,2]", 1, 7, /unexpected ',' in an array/);
  lexError("a: [1; 2]", 1, 6, /expected ',' or '\]' after an array value, got ';'/);
  lexError("a { , b: 1 }", 1, 5, /unexpected ',' in a map/);
  lexError("a { b: 1 c: 2 }", 1, 10, /expected ',' or '}' after a map value, got 'c'/);
  lexError("a { b }", 1, 7, /expected a value for key "b"/);
  lexError("= 1", 1, 1, /unexpected key separator '='/);
  lexError("a: 1\n/x", 2, 1, /unexpected '\/'/);
  lexError("a:", 1, 3, /expected a value for key "a", got end of file/);
  lexError("include\n./x", 1, 8, /expected an include path, got '\\n'/);
});

Deno.test("lexer: a byte order mark and CRLF line ends are fine", () => {
  assert.deepEqual(kinds("\ufeffa: 1\r\nb: [x,\r\n y]\r\n"), [
    "key:a",
    "int:1",
    "key:b",
    "array_start:[",
    "string:x",
    "string:y",
    "array_end:]",
  ]);
});
