import assert from "node:assert/strict";
import { parseConfig } from "../../../src/config/conf_parser.ts";
import { readAccountsConfig } from "../../../src/accounts/config.ts";
import { Accounts } from "../../../src/accounts/registry.ts";
import { UNLIMITED_JS_LIMITS } from "../../../src/accounts/account.ts";
import { ConfigError } from "../../../src/config/errors.ts";

async function read(text: string) {
  return readAccountsConfig(await parseConfig(text, "limits.conf"));
}

Deno.test("account jetstream: a limits block with nats-server's keys and aliases", async () => {
  const c = await read(`accounts {
  A: { jetstream: { max_mem: 1MB, max_file: 2MB, max_streams: 3, max_consumers: 4 } }
  B: { jetstream: { memory: 10, disk: 20, streams: 1, consumers: 2, max_bytes_required: true } }
  C: { jetstream: { max_memory: 5, max_store: 6, max_disk: 7, max_ack_pending: 8 } }
}`);
  const a = c.accounts.find((x) => x.name === "A")!;
  assert.equal(a.jetstream, true);
  assert.deepEqual(a.jetstreamLimits, {
    ...UNLIMITED_JS_LIMITS,
    maxMemory: 1024 * 1024,
    maxStore: 2 * 1024 * 1024,
    maxStreams: 3,
    maxConsumers: 4,
  });
  const b = c.accounts.find((x) => x.name === "B")!.jetstreamLimits;
  assert.equal(b.maxMemory, 10);
  assert.equal(b.maxStore, 20);
  assert.equal(b.maxStreams, 1);
  assert.equal(b.maxConsumers, 2);
  assert.equal(b.maxBytesRequired, true);
  const cl = c.accounts.find((x) => x.name === "C")!.jetstreamLimits;
  assert.equal(cl.maxMemory, 5);
  assert.equal(cl.maxStore, 7, "the last alias given wins");
  assert.equal(cl.maxAckPending, 8);
  assert.equal(cl.maxStreams, -1);
});

Deno.test("account jetstream: enabled, disabled and booleans mean unlimited or off", async () => {
  const c = await read(`accounts {
  A: { jetstream: enabled }
  B: { jetstream: disabled }
  C: { jetstream: true }
  D: { jetstream: { max_streams: 2 } }
}`);
  const accs = new Accounts(c);
  assert.equal(accs.get("A")!.jetstream, true);
  assert.deepEqual(accs.get("A")!.jetstreamLimits, UNLIMITED_JS_LIMITS);
  assert.equal(accs.get("B")!.jetstream, false);
  assert.equal(accs.get("C")!.jetstream, true);
  assert.equal(accs.get("D")!.jetstreamLimits.maxStreams, 2);
});

Deno.test("account jetstream: bad values are ConfigErrors naming file:line:col", async () => {
  const cases: [string, RegExp][] = [
    [`max_streams: "x"`, /Expected a parseable size for "max_streams", got x/],
    [`max_mem: 1.5`, /Expected a parseable size for "max_mem", got 1.5/],
    [`max_bytes_required: 1`, /Expected a parseable bool for "max_bytes_required", got 1/],
    [`bogus: 1`, /unknown field "bogus"/],
  ];
  for (const [body, re] of cases) {
    const err = await read(`accounts {\n  A: { jetstream: { ${body} } }\n}`).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof ConfigError, body);
    assert.match(err.message, re);
    assert.match(err.message, /^limits\.conf:2:\d+: /);
  }
  await assert.rejects(
    () => read(`accounts { A: { jetstream: nope } }`),
    /Expected 'enabled' or 'disabled' for string value, got 'nope'/,
  );
});
