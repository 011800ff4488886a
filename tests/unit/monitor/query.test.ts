/** Query decoding follows Go's strconv and nats-server's messages. */
import assert from "node:assert/strict";
import {
  MonitorRequestError,
  queryBool,
  queryInt,
  queryState,
  querySubs,
  queryUint,
} from "../../../src/monitor/query.ts";

const q = (s: string) => new URLSearchParams(s);

Deno.test("queryBool() accepts Go's ParseBool words and defaults to false", () => {
  for (const t of ["1", "t", "T", "true", "TRUE", "True"]) {
    assert.equal(queryBool(q(`a=${t}`), "a"), true);
  }
  for (const f of ["0", "f", "F", "false", "FALSE", "False"]) {
    assert.equal(queryBool(q(`a=${f}`), "a"), false);
  }
  assert.equal(queryBool(q(""), "a"), false);
  assert.equal(queryBool(q("a="), "a"), false);
});

Deno.test("queryBool() rejects other words with nats-server's message", () => {
  assert.throws(() => queryBool(q("subs=maybe"), "subs"), {
    name: "MonitorRequestError",
    message:
      `Error decoding boolean for 'subs': strconv.ParseBool: parsing "maybe": invalid syntax`,
  });
});

Deno.test("queryInt() parses signed decimals and rejects anything else", () => {
  assert.equal(queryInt(q("limit=5"), "limit"), 5);
  assert.equal(queryInt(q("limit=-3"), "limit"), -3);
  assert.equal(queryInt(q("limit=%2B7"), "limit"), 7);
  assert.equal(queryInt(q(""), "limit"), 0);
  assert.throws(() => queryInt(q("limit=abc"), "limit"), {
    message: `Error decoding int for 'limit': strconv.Atoi: parsing "abc": invalid syntax`,
  });
  assert.throws(() => queryInt(q("limit=1.5"), "limit"), MonitorRequestError);
  assert.throws(() => queryInt(q("limit=99999999999999999999"), "limit"), /value out of range/);
});

Deno.test("queryUint() rejects signs and words", () => {
  assert.equal(queryUint(q("cid=12"), "cid"), 12);
  assert.throws(() => queryUint(q("cid=x"), "cid"), {
    message: `Error decoding uint64 for 'cid': strconv.ParseUint: parsing "x": invalid syntax`,
  });
  assert.throws(() => queryUint(q("cid=-1"), "cid"), MonitorRequestError);
});

Deno.test("queryState() knows open, closed, any and all, in any case", () => {
  assert.equal(queryState(q("")), "open");
  assert.equal(queryState(q("state=OPEN")), "open");
  assert.equal(queryState(q("state=closed")), "closed");
  assert.equal(queryState(q("state=any")), "any");
  assert.equal(queryState(q("state=All")), "any");
  assert.throws(() => queryState(q("state=foo")), { message: "Error decoding state for foo" });
});

Deno.test("querySubs() takes detail or a boolean", () => {
  assert.deepEqual(querySubs(q("subs=detail")), { subs: false, detail: true });
  assert.deepEqual(querySubs(q("subs=DETAIL")), { subs: false, detail: true });
  assert.deepEqual(querySubs(q("subs=1")), { subs: true, detail: false });
  assert.deepEqual(querySubs(q("")), { subs: false, detail: false });
  assert.throws(() => querySubs(q("subs=x")), MonitorRequestError);
});
