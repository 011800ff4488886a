/** Subject syntax: validity, wildcard detection, matching and subset rules (src/subject/subject.ts). */

import assert from "node:assert/strict";
import {
  isValidLiteralSubject,
  isValidSubject,
  matchSubject,
  matchSubjectTokens,
  subjectHasWildcard,
  subjectIsSubsetOf,
  subjectsCollide,
  tokenizeSubject,
} from "../../../src/subject/mod.ts";

const LONG_LITERAL = "a.".repeat(200) + "z";

// [subject, valid as a subscription subject, valid as a publish (literal) subject]
const VALIDITY: [string, boolean, boolean][] = [
  ["", false, false],
  ["foo", true, true],
  ["a", true, true],
  ["foo.bar", true, true],
  ["foo.bar.baz", true, true],
  ["FOO.Bar", true, true],
  ["foo-bar.baz_qux.0", true, true],
  ["$SYS.REQ.SERVER.PING", true, true],
  ["ünïcode.subject", true, true],
  ["*", true, false],
  [">", true, false],
  ["foo.*", true, false],
  ["foo.>", true, false],
  ["*.bar", true, false],
  ["*.*", true, false],
  ["*.>", true, false],
  ["foo.*.baz", true, false],
  ["foo.*.>", true, false],
  ["_INBOX.abc123.*", true, false],
  [">.foo", false, false],
  ["foo.>.bar", false, false],
  ["foo.>.>", false, false],
  ["foo.>.*", false, false],
  ["foo..bar", false, false],
  [".foo", false, false],
  ["foo.", false, false],
  [".", false, false],
  ["..", false, false],
  [".>", false, false],
  ["*.", false, false],
  ["foo bar", false, false],
  ["foo\tbar", false, false],
  ["foo\r", false, false],
  ["foo\n.bar", false, false],
  ["foo\fbar", false, false],
  [" ", false, false],
  ["foo. .bar", false, false],
  ["foo.\t", false, false],
  ["foo*bar", true, true],
  ["foo>bar", true, true],
  ["foo.*bar", true, true],
  ["foo.bar*", true, true],
  ["**", true, true],
  [">>", true, true],
  ["foo.>>", true, true],
  ["*>.bar", true, true],
  [LONG_LITERAL, true, true],
  [LONG_LITERAL + ".>", true, false],
  [LONG_LITERAL + ".*." + LONG_LITERAL, true, false],
  [LONG_LITERAL + "..z", false, false],
];

Deno.test("subject: validity table follows nats-server IsValidSubject/IsValidLiteralSubject", () => {
  for (const [subject, valid, literal] of VALIDITY) {
    assert.equal(isValidSubject(subject), valid, `isValidSubject(${JSON.stringify(subject)})`);
    assert.equal(
      isValidLiteralSubject(subject),
      literal,
      `isValidLiteralSubject(${JSON.stringify(subject)})`,
    );
    if (valid) {
      assert.equal(subjectHasWildcard(subject), !literal, `subjectHasWildcard(${subject})`);
    }
  }
});

Deno.test("subject: '*' and '>' are wildcards only as whole tokens", () => {
  assert.equal(subjectHasWildcard("foo*bar"), false);
  assert.equal(subjectHasWildcard("foo.a>"), false);
  assert.equal(subjectHasWildcard(">a.b"), false);
  assert.equal(subjectHasWildcard("*"), true);
  assert.equal(subjectHasWildcard("a.*"), true);
  assert.equal(subjectHasWildcard("*.a"), true);
  assert.equal(subjectHasWildcard("a.*.b"), true);
  assert.equal(subjectHasWildcard("a.>"), true);
});

Deno.test("subject: tokenizeSubject splits on every '.'", () => {
  assert.deepEqual(tokenizeSubject("foo"), ["foo"]);
  assert.deepEqual(tokenizeSubject("foo.*.>"), ["foo", "*", ">"]);
  assert.deepEqual(tokenizeSubject("a.b.c.d"), ["a", "b", "c", "d"]);
  assert.equal(tokenizeSubject(LONG_LITERAL).length, 201);
});

// [literal, pattern, matches]
const MATCHES: [string, string, boolean][] = [
  ["foo", "foo", true],
  ["foo", "bar", false],
  ["foo", "foobar", false],
  ["foobar", "foo", false],
  ["foo.bar", "FOO.bar", false],
  ["foo.bar", "foo.*", true],
  ["foo.bar", "foo.>", true],
  ["foo.bar.baz", "foo.>", true],
  ["foo", "foo.>", false],
  ["foo", "foo.*", false],
  ["foo", ">", true],
  ["foo.bar.baz", ">", true],
  ["foo", "*", true],
  ["foo.bar", "*", false],
  ["foo.bar.baz", "foo.*", false],
  ["foo.bar.baz", "foo.*.baz", true],
  ["foo.bar.bax", "foo.*.baz", false],
  ["foo.bar.baz", "*.*.*", true],
  ["foo.bar.baz", "*.*", false],
  ["foo.bar", "foo.bar.baz", false],
  ["foo.bar.baz", "foo.bar", false],
  ["foo.bar.baz", "*.bar.>", true],
  ["foo.bar", "*.bar.>", false],
  ["foo.bar", "foo.*.>", false],
  ["foo.bar.baz", "foo.*.>", true],
  ["a.b.c.d.e.f", "a.*.c.>", true],
  ["a.b.x.d.e.f", "a.*.c.>", false],
  ["foo.ba", "foo.bar", false],
  ["foo.bar", "foo.ba", false],
  ["foo*bar", "foo*bar", true],
  ["fooXbar", "foo*bar", false],
  ["foo*bar", "*", true],
  ["foo.bar", "foo*bar", false],
  ["a>", "a>", true],
  ["ab", "a>", false],
  [LONG_LITERAL, LONG_LITERAL, true],
  [LONG_LITERAL, "a.>", true],
  [LONG_LITERAL, "*.>", true],
  [LONG_LITERAL, LONG_LITERAL.slice(0, -1) + "*", true],
  [LONG_LITERAL, LONG_LITERAL.slice(0, -1) + "y", false],
  [LONG_LITERAL + ".x", LONG_LITERAL, false],
];

Deno.test("subject: match table for literals against '*' and '>' patterns", () => {
  for (const [literal, pattern, expected] of MATCHES) {
    const why = `${literal} ~ ${pattern}`;
    assert.equal(matchSubject(literal, pattern), expected, why);
    assert.equal(matchSubjectTokens(literal, tokenizeSubject(pattern)), expected, why);
  }
});

// [sub, super, every subject of sub is matched by super]
const SUBSETS: [string, string, boolean][] = [
  ["foo.bar", "foo.bar", true],
  ["foo.bar", "foo.baz", false],
  ["foo.bar", "foo.*", true],
  ["foo.bar", "foo.>", true],
  ["foo.bar", "*", false],
  ["foo", "*", true],
  ["foo", "foo.>", false],
  ["foo.*", "foo.*", true],
  ["foo.*", "foo.>", true],
  ["foo.*", "foo.bar", false],
  ["foo.*", "foo.*.>", false],
  ["foo.>", "foo.>", true],
  ["foo.>", "foo.*", false],
  ["foo.>", "foo.*.>", false],
  ["foo.>", ">", true],
  [">", ">", true],
  [">", "foo.>", false],
  [">", "*", false],
  ["*", ">", true],
  ["*", "*", true],
  ["*.bar", "foo.*", false],
  ["foo.*.baz", "foo.>", true],
  ["foo.*.baz", "*.*.baz", true],
  ["foo.*.baz", "foo.*.*", true],
  ["foo.*.baz", "foo.bar.baz", false],
  ["foo.bar.baz", "foo.*.>", true],
  ["foo.*.>", "foo.>", true],
  ["foo.*.>", "foo.*.*", false],
  ["foo.*.*", "foo.*.>", true],
];

Deno.test("subject: subset table for pattern-in-pattern containment", () => {
  for (const [sub, sup, expected] of SUBSETS) {
    assert.equal(subjectIsSubsetOf(sub, sup), expected, `${sub} <= ${sup}`);
  }
});

/** mulberry32: a tiny seeded PRNG so failures reproduce. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPattern(rand: () => number, tokens: string[], maxLen: number): string {
  const n = 1 + Math.floor(rand() * maxLen);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = tokens[Math.floor(rand() * tokens.length)];
    // '>' only as the last token keeps the pattern valid.
    out.push(t === ">" && i < n - 1 ? "*" : t);
  }
  return out.join(".");
}

/** Every literal over `alphabet` with 1..maxLen tokens. */
function allLiterals(alphabet: string[], maxLen: number): string[] {
  let layer = [...alphabet];
  const all = [...layer];
  for (let len = 2; len <= maxLen; len++) {
    layer = layer.flatMap((prefix) => alphabet.map((t) => `${prefix}.${t}`));
    all.push(...layer);
  }
  return all;
}

Deno.test("subject: matchSubjectTokens agrees with matchSubject on random subjects", () => {
  const rand = mulberry32(7);
  for (let i = 0; i < 20_000; i++) {
    const literal = randomPattern(rand, ["a", "b", "c", "ab"], 5);
    const pattern = randomPattern(rand, ["a", "b", "*", ">"], 5);
    assert.equal(
      matchSubjectTokens(literal, tokenizeSubject(pattern)),
      matchSubject(literal, pattern),
      `${literal} ~ ${pattern}`,
    );
  }
});

Deno.test("subject: subjectIsSubsetOf agrees with exhaustive enumeration of literals", () => {
  // Patterns use {a, b}; literals add a fresh token 'c' and one extra token of length, which is
  // enough for any non-subset pair to have a counterexample in the enumeration.
  const literals = allLiterals(["a", "b", "c"], 4);
  const rand = mulberry32(42);
  for (let i = 0; i < 3_000; i++) {
    const sub = randomPattern(rand, ["a", "b", "*", ">"], 3);
    const sup = randomPattern(rand, ["a", "b", "*", ">"], 3);
    const expected = literals.every((l) => !matchSubject(l, sub) || matchSubject(l, sup));
    assert.equal(subjectIsSubsetOf(sub, sup), expected, `${sub} <= ${sup}`);
  }
});

Deno.test("subjectsCollide() is true exactly when one subject can match both patterns", () => {
  const cases: [string, string, boolean][] = [
    ["a.b", "a.b", true],
    ["a.b", "a.c", false],
    ["a.*", "a.b", true],
    ["a.*", "*.b", true],
    ["a.>", "a.b.c", true],
    ["a.>", "a", false],
    ["a.*", "a.b.c", false],
    [">", "x.y", true],
    ["a.*.c", "a.b.*", true],
    ["a.*.c", "a.b.d", false],
    ["a.b", "a.b.c", false],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(subjectsCollide(a, b), want, `${a} / ${b}`);
    assert.equal(subjectsCollide(b, a), want, `${b} / ${a}`);
  }
});
