/** Request bodies decode as Go's encoding/json fills nats-server's option structs. */
import assert from "node:assert/strict";
import {
  decodeOptions,
  eventFilter,
  filterMatches,
  RequestDecodeError,
} from "../../../src/system/request_options.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const SCHEMA = { sort: "string", auth: "bool", limit: "int", cid: "uint" } as const;

Deno.test("request options: an empty body or null means defaults", () => {
  assert.deepEqual(decodeOptions(enc(""), SCHEMA, "ConnzEventOptions"), {});
  assert.deepEqual(decodeOptions(enc("null"), SCHEMA, "ConnzEventOptions"), {});
});

Deno.test("request options: names match case-insensitively, unknown ones are ignored", () => {
  const o = decodeOptions(
    enc('{"SORT":"rtt","Auth":true,"limit":5,"what":1,"cid":null}'),
    SCHEMA,
    "ConnzEventOptions",
  );
  assert.deepEqual(o, { sort: "rtt", auth: true, limit: 5 });
});

Deno.test("request options: the filter fields are always decoded", () => {
  const o = decodeOptions(enc('{"server_name":"s1","tags":["a"]}'), {}, "VarzEventOptions");
  assert.deepEqual(o, { server_name: "s1", tags: ["a"] });
});

Deno.test("request options: a value of the wrong type fails the request", () => {
  const cases: [string, RegExp][] = [
    [
      '{"auth":"yes"}',
      /cannot unmarshal string into Go struct field ConnzEventOptions\.auth of type bool/,
    ],
    ['{"limit":1.5}', /cannot unmarshal number 1\.5 .* of type int/],
    ['{"cid":-1}', /of type uint64/],
    ['{"tags":"x"}', /of type \[\]string/],
    ["[1]", /cannot unmarshal array into Go value of type server\.ConnzEventOptions/],
    ["{bad", /./],
  ];
  for (const [body, message] of cases) {
    assert.throws(
      () => decodeOptions(enc(body), SCHEMA, "ConnzEventOptions"),
      (err: unknown) => err instanceof RequestDecodeError && message.test(err.message),
      body,
    );
  }
});

Deno.test("request options: filters match by substring, tags all, domain exactly", () => {
  const target = { name: "east-1", host: "10.0.0.1", cluster: "", tags: ["Blue"], domain: "" };
  const f = (o: Record<string, unknown>) => filterMatches(eventFilter(o), target);
  assert.equal(f({}), true);
  assert.equal(f({ server_name: "east" }), true);
  assert.equal(f({ server_name: "west" }), false);
  assert.equal(f({ host: "10.0" }), true);
  assert.equal(f({ cluster: "c1" }), false);
  assert.equal(f({ tags: ["blue"] }), true);
  assert.equal(f({ tags: ["blue", "red"] }), false);
  assert.equal(f({ domain: "hub" }), false);
});
