/** Config parser (src/config/conf_parser.ts): values, units, variables, includes, positions. */

import assert from "node:assert/strict";
import { parseConfig, parseConfigFile } from "../../../src/config/conf_parser.ts";
import { memEnv, memFiles, parsePlain, rejectsConfig } from "./_helpers.ts";

Deno.test("parser: scalar values become typed nodes", async () => {
  const map = await parseConfig("s: abc\ni: 42\nf: 1.5\nb: yes\nd: 2024-05-01T10:20:30Z", "x.conf");
  assert.deepEqual([...map.values()].map((e) => [e.key, e.node.kind, e.node.value]), [
    ["s", "string", "abc"],
    ["i", "int", 42],
    ["f", "float", 1.5],
    ["b", "bool", true],
    ["d", "date", new Date("2024-05-01T10:20:30Z")],
  ]);
});

Deno.test("parser: booleans true/false/yes/no/on/off", async () => {
  assert.deepEqual(await parsePlain("a: true, b: YES, c: on, d: false, e: No, f: OFF"), {
    a: true,
    b: true,
    c: true,
    d: false,
    e: false,
    f: false,
  });
});

Deno.test("parser: size suffixes, k=1000 and kb/ki/kib=1024, case-insensitive", async () => {
  const got = await parsePlain(
    "a: 1k\nb: 1kb\nc: 1KI\nd: 1KiB\ne: 2m\nf: 2MB\ng: 1g\nh: 1gb\ni: 1t\nj: 1TB\n" +
      "k: 1p\nl: 1PiB\nm: 1e\nn: 1EB\no: -2k",
  );
  assert.deepEqual(got, {
    a: 1000,
    b: 1024,
    c: 1024,
    d: 1024,
    e: 2_000_000,
    f: 2 * 1024 * 1024,
    g: 1e9,
    h: 1024 ** 3,
    i: 1e12,
    j: 1024 ** 4,
    k: 1e15,
    l: 1024 ** 5,
    m: 1e18,
    n: 1024 ** 6,
    o: -2000,
  });
});

Deno.test("parser: integers outside int64 and unknown suffixes fail", async () => {
  await rejectsConfig(
    parseConfig("a: 10E", "x.conf"),
    /^x\.conf:1:4: integer '10E' is out of range/,
  );
  await rejectsConfig(
    parseConfig("a: 99999999999999999999", "x.conf"),
    /is out of range/,
  );
  await rejectsConfig(parseConfig("a: 1kibb", "x.conf"), /invalid integer size suffix in '1kibb'/);
});

Deno.test("parser: nested maps and arrays keep their structure", async () => {
  assert.deepEqual(
    await parsePlain("a { b { c: [1, {d: x}, [y]] } }"),
    { a: { b: { c: [1, { d: "x" }, ["y"]] } } },
  );
});

Deno.test("parser: a repeated key keeps the last value", async () => {
  assert.deepEqual(await parsePlain("a: 1\na: 2"), { a: 2 });
});

Deno.test("parser: variables resolve from the same and enclosing maps", async () => {
  assert.deepEqual(await parsePlain("P = 4222\nport: $P"), { P: 4222, port: 4222 });
  assert.deepEqual(
    await parsePlain("T = 2\na { U = 3\n b { x: $T, y: $U } }"),
    { T: 2, a: { U: 3, b: { x: 2, y: 3 } } },
  );
  // Arrays are not scopes, but maps inside arrays see the enclosing maps.
  assert.deepEqual(await parsePlain("N = n\nl: [$N, {m: $N}]"), { N: "n", l: ["n", { m: "n" }] });
  // Maps and arrays can be variables too.
  assert.deepEqual(await parsePlain("M = {a: 1}\nx: $M"), { M: { a: 1 }, x: { a: 1 } });
});

Deno.test("parser: the innermost definition wins", async () => {
  assert.deepEqual(await parsePlain("V = outer\na { V = inner, x: $V }\ny: $V"), {
    V: "outer",
    a: { V: "inner", x: "inner" },
    y: "outer",
  });
});

Deno.test("parser: referenced entries are marked, others are not", async () => {
  const map = await parseConfig("A = 1\nB = 2\nx: $A", "x.conf");
  assert.equal(map.get("A")?.referenced, true);
  assert.equal(map.get("B")?.referenced, false);
  assert.equal(map.get("x")?.referenced, false);
});

Deno.test("parser: a variable only sees keys defined before it", async () => {
  await rejectsConfig(
    parseConfig("port: $P\nP = 5", "x.conf"),
    /^x\.conf:1:7: variable reference for 'P' can not be found$/,
  );
});

Deno.test("parser: environment variables are parsed as config values", async () => {
  const env = { PORT: "4333", NAME: "alpha", ON: "true", SIZE: "1k", LIST: "[a, b]", Q: '"x y"' };
  assert.deepEqual(
    await parsePlain("p: $PORT, n: $NAME, b: $ON, s: $SIZE, l: $LIST, q: $Q", {}, env),
    { p: 4333, n: "alpha", b: true, s: 1000, l: ["a", "b"], q: "x y" },
  );
  // A config definition shadows the environment.
  assert.deepEqual(await parsePlain("PORT = 1\np: $PORT", {}, env), { PORT: 1, p: 1 });
  // An environment value may refer to another environment variable.
  assert.deepEqual(await parsePlain("p: $A", {}, { A: "$B", B: "7" }), { p: 7 });
  await rejectsConfig(
    parseConfig("p: $A", "x.conf", { env: memEnv({ A: "$NOPE" }) }),
    /^x\.conf:1:4: variable reference for 'NOPE' can not be found$/,
  );
});

Deno.test("parser: environment reference cycles and unparsable values fail", async () => {
  await rejectsConfig(
    parseConfig("p: $A", "x.conf", { env: memEnv({ A: "$B", B: "$A" }) }),
    /^x\.conf:1:4: variable reference cycle through environment variable 'A'/,
  );
  await rejectsConfig(
    parseConfig("p: $A", "x.conf", { env: memEnv({ A: '"open' }) }),
    /^x\.conf:1:4: environment variable 'A' does not hold a valid value: unterminated string/,
  );
});

Deno.test("parser: undefined variables fail with the variable's position", async () => {
  const e = await rejectsConfig(
    parseConfig("a: 1\nb {\n  c: $NOPE\n}", "x.conf", { env: memEnv() }),
    /^x\.conf:3:6: variable reference for 'NOPE' can not be found$/,
  );
  assert.deepEqual([e.line, e.col], [3, 6]);
});

Deno.test("parser: bcrypt hashes are strings, and '$' inside quotes is literal", async () => {
  assert.deepEqual(await parsePlain('a: $2a$11$xyz\nb: "$2a$11$xyz"\nc: "$HOME"\nd: \'$X\''), {
    a: "$2a$11$xyz",
    b: "$2a$11$xyz",
    c: "$HOME",
    d: "$X",
  });
});

Deno.test("parser: include merges another file's keys, relative to the includer", async () => {
  const files = {
    "conf/main.conf": "a: 1\ninclude ./sub/one.conf\nm { include 'two.conf' }\n",
    "conf/sub/one.conf": "b: 2\ninclude ../three.conf\n",
    "conf/two.conf": "c: 3",
    "conf/three.conf": "d: 4",
  };
  const map = await parseConfigFile("conf/main.conf", { readFile: memFiles(files) });
  assert.deepEqual(Object.fromEntries([...map].map(([k, e]) => [k, e.file])), {
    a: "conf/main.conf",
    b: "conf/sub/one.conf",
    d: "conf/three.conf",
    m: "conf/main.conf",
  });
  const m = map.get("m")!.node;
  assert.equal(m.kind, "map");
  assert.equal(m.kind === "map" && m.value.get("c")?.node.value, 3);
});

Deno.test("parser: an included file has its own variables; the includer sees its keys", async () => {
  const files = { "vars.conf": "P = 5\n", "uses.conf": "x: $Q\n" };
  assert.deepEqual(await parsePlain("include vars.conf\np: $P", files), { P: 5, p: 5 });
  await rejectsConfig(
    parseConfig("Q = 1\ninclude uses.conf", "test.conf", { readFile: memFiles(files) }),
    /^uses\.conf:1:4: variable reference for 'Q' can not be found/,
  );
});

Deno.test("parser: a missing include, an include cycle, an error inside an include", async () => {
  await rejectsConfig(
    parseConfig("include ./nope.conf", "dir/a.conf", { readFile: memFiles({}) }),
    /^dir\/a\.conf:1:9: error parsing include file '.\/nope.conf': open dir\/nope.conf/,
  );
  await rejectsConfig(
    parseConfigFile("./a.conf", {
      readFile: memFiles({ "./a.conf": "include b.conf", "b.conf": "include a.conf" }),
    }),
    /^b\.conf:1:9: include cycle: a\.conf -> b\.conf -> a\.conf/,
  );
  await rejectsConfig(
    parseConfig("include b.conf", "a.conf", { readFile: memFiles({ "b.conf": "x: [1" }) }),
    /^b\.conf:1:4: unterminated array/,
  );
  await rejectsConfig(parseConfig("include b.conf", "a.conf"), /no file reader was provided/);
});

Deno.test("parser: a missing top-level file is a ConfigError naming it", async () => {
  await rejectsConfig(
    parseConfigFile("gone.conf", { readFile: memFiles({}) }),
    /^gone\.conf:1:1: cannot read configuration file: open gone\.conf/,
  );
});

Deno.test("parser: every node and entry carries file, line and column", async () => {
  const map = await parseConfig("a {\n  b: [1,\n    2]\n}\n", "pos.conf");
  const a = map.get("a")!;
  assert.deepEqual([a.file, a.line, a.col, a.node.line, a.node.col], ["pos.conf", 1, 1, 1, 3]);
  const b = a.node.kind === "map" ? a.node.value.get("b")! : assert.fail("not a map");
  assert.deepEqual([b.line, b.col], [2, 3]);
  const items = b.node.kind === "array" ? b.node.value : assert.fail("not an array");
  assert.deepEqual(items.map((n) => [n.line, n.col]), [[2, 7], [3, 5]]);
});

Deno.test("parser: a variable's value takes the position of the reference", async () => {
  const map = await parseConfig("V = 1\n\nx: $V", "v.conf");
  const x = map.get("x")!.node;
  assert.deepEqual([x.kind, x.value, x.line, x.col], ["int", 1, 3, 4]);
});
