/**
 * Per-account JetStream limits (`accounts { A { jetstream { ... } } }`) as nats-server 2.9
 * enforces them: stream counts, consumers per stream, byte reservations of max_bytes against
 * the account's memory and file budgets, publishing into a full account, and $JS.API.INFO.
 */

import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startServer, writeConfig } from "../_helpers/server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Reply {
  error?: { code: number; err_code: number; description: string };
  config?: { name: string };
  [k: string]: unknown;
}

async function withLimits(
  block: string,
  body: (nc: NatsConnection) => Promise<void>,
  serverJs = "",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "skiff-jsl-" });
  const conf = await writeConfig(`
jetstream { store_dir: "${dir}"${serverJs ? `, ${serverJs}` : ""} }
accounts {
  A: { jetstream: ${block}, users: [{ user: a, password: a }] }
}
`);
  const srv = await startServer(["-c", conf.path]);
  const nc = await connect({ servers: srv.url, user: "a", pass: "a" });
  try {
    await body(nc);
  } finally {
    await nc.close();
    await srv.stop();
    await conf.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

async function api(nc: NatsConnection, subject: string, body: unknown = ""): Promise<Reply> {
  const data = body === "" ? new Uint8Array() : enc.encode(JSON.stringify(body));
  const m = await nc.request(subject, data, { timeout: 5000 });
  return JSON.parse(dec.decode(m.data));
}

function stream(nc: NatsConnection, name: string, extra: Record<string, unknown> = {}) {
  return api(nc, `$JS.API.STREAM.CREATE.${name}`, {
    name,
    subjects: [name.toLowerCase()],
    ...extra,
  });
}

function durable(nc: NatsConnection, streamName: string, name: string) {
  return api(nc, `$JS.API.CONSUMER.DURABLE.CREATE.${streamName}.${name}`, {
    stream_name: streamName,
    config: { durable_name: name, ack_policy: "explicit" },
  });
}

function errCode(r: Reply): number | undefined {
  return r.error?.err_code;
}

Deno.test("js limits: max_streams, max_consumers per stream, and INFO", async () => {
  await withLimits("{ max_streams: 2, max_consumers: 1 }", async (nc) => {
    const info0 = await api(nc, "$JS.API.INFO");
    assert.deepEqual(info0.limits, {
      max_memory: -1,
      max_storage: -1,
      max_streams: 2,
      max_consumers: 1,
      max_ack_pending: -1,
      memory_max_stream_bytes: -1,
      storage_max_stream_bytes: -1,
      max_bytes_required: false,
    });
    assert.equal(errCode(await stream(nc, "S1")), undefined);
    assert.equal(errCode(await stream(nc, "S2")), undefined);
    const third = await stream(nc, "S3", { max_consumers: 5 });
    assert.equal(errCode(third), 10027);
    assert.equal(third.error!.description, "maximum number of streams reached");

    assert.equal(errCode(await durable(nc, "S1", "C1")), undefined);
    const over = await durable(nc, "S1", "C2");
    assert.equal(errCode(over), 10026);
    assert.equal(over.error!.description, "maximum consumers limit reached");
    // nats-server 2.9 applies the account's max_consumers to each stream.
    assert.equal(errCode(await durable(nc, "S2", "C3")), undefined);
    const eph = await api(nc, "$JS.API.CONSUMER.CREATE.S2", {
      stream_name: "S2",
      config: { ack_policy: "explicit" },
    });
    assert.equal(errCode(eph), 10026);
    // Re-creating an existing consumer is not a new one.
    assert.equal(errCode(await durable(nc, "S1", "C1")), undefined);

    const info = await api(nc, "$JS.API.INFO");
    assert.equal(info.streams, 2);
    assert.equal(info.consumers, 2);
  });
});

Deno.test("js limits: max_bytes reserves the account's file and memory budgets", async () => {
  await withLimits("{ max_file: 1MB, max_mem: 1MB }", async (nc) => {
    // An unlimited stream (max_bytes -1) is accepted under a file limit in 2.9.
    assert.equal(errCode(await stream(nc, "F0")), undefined);
    const big = await stream(nc, "F1", { max_bytes: 2_000_000 });
    assert.equal(errCode(big), 10047);
    assert.equal(big.error!.description, "insufficient storage resources available");
    assert.equal(errCode(await stream(nc, "F2", { max_bytes: 600_000 })), undefined);
    assert.equal(errCode(await stream(nc, "F3", { max_bytes: 600_000 })), 10047);

    const mem = { storage: "memory" };
    assert.equal(errCode(await stream(nc, "M0", mem)), undefined);
    const bigMem = await stream(nc, "M1", { ...mem, max_bytes: 2_000_000 });
    assert.equal(errCode(bigMem), 10028);
    assert.equal(bigMem.error!.description, "insufficient memory resources available");
    assert.equal(errCode(await stream(nc, "M2", { ...mem, max_bytes: 600_000 })), undefined);
    assert.equal(errCode(await stream(nc, "M3", { ...mem, max_bytes: 600_000 })), 10028);

    // Growing a stream's max_bytes past the budget is refused too.
    const grow = await api(nc, "$JS.API.STREAM.UPDATE.F2", {
      name: "F2",
      subjects: ["f2"],
      max_bytes: 2_000_000,
    });
    assert.equal(errCode(grow), 10047);

    const info = await api(nc, "$JS.API.INFO");
    const limits = info.limits as Record<string, unknown>;
    assert.equal(limits.max_memory, 1024 * 1024);
    assert.equal(limits.max_storage, 1024 * 1024);
    assert.equal(info.streams, 4);
  });
});

Deno.test("js limits: publishing into a full account is refused with 10002", async () => {
  await withLimits("{ max_file: 3000, max_mem: 3000 }", async (nc) => {
    for (const [name, storage] of [["F", "file"], ["M", "memory"]]) {
      assert.equal(errCode(await stream(nc, name, { storage })), undefined);
      const acks: Reply[] = [];
      for (let i = 0; i < 4; i++) {
        const m = await nc.request(name.toLowerCase(), new Uint8Array(1000), { timeout: 5000 });
        acks.push(JSON.parse(dec.decode(m.data)));
      }
      assert.equal(acks[0].error, undefined);
      assert.equal(acks[1].error, undefined);
      assert.equal(errCode(acks[2]), 10002);
      assert.equal(acks[2].error!.description, "resource limits exceeded for account");
      assert.equal(errCode(acks[3]), 10002);
    }
    const info = await api(nc, "$JS.API.INFO");
    assert.ok((info.storage as number) <= 3000 && (info.storage as number) >= 2000);
    assert.ok((info.memory as number) <= 3000 && (info.memory as number) >= 2000);
  });
});

Deno.test("js limits: max_bytes_required", async () => {
  await withLimits("{ max_bytes_required: true }", async (nc) => {
    const r = await stream(nc, "S");
    assert.equal(errCode(r), 10113);
    assert.equal(errCode(await stream(nc, "T", { max_bytes: 1000 })), undefined);
    const info = await api(nc, "$JS.API.INFO");
    assert.equal((info.limits as Record<string, unknown>).max_bytes_required, true);
  });
});

Deno.test("js limits: the server-wide max_file_store bounds reservations", async () => {
  await withLimits("enabled", async (nc) => {
    assert.equal(errCode(await stream(nc, "A1", { max_bytes: 60_000 })), undefined);
    assert.equal(errCode(await stream(nc, "A2", { max_bytes: 60_000 })), 10047);
  }, "max_file_store: 100000");
});
