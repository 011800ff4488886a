/**
 * Consumer state across restarts, on a FileStore over the in-memory file system: the ack floor,
 * pending and redelivery counts come back, unacked messages are redelivered, acks answered
 * before a power loss survive it, and deleted or unfinished consumers do not come back.
 */

import { deepStrictEqual as eq, ok } from "node:assert/strict";
import { FileStore } from "../../../src/jetstream/store/file_store.ts";
import { MemoryFileSystem } from "../../../src/platform/memory_fs.ts";
import { restoreConsumers } from "../../../src/jetstream/api_consumer.ts";
import { createConsumer } from "../../../src/jetstream/consumer_create.ts";
import { decodeConsumerConfig } from "../../../src/jetstream/consumer_config_json.ts";
import type { Consumer } from "../../../src/jetstream/consumer.ts";
import type { FileSystem } from "../../../src/platform/types.ts";
import { ackTokens, enc, FakeClock, FakeHost, streamConfig } from "./_consumer_fakes.ts";

const DIR = "/data/S";
const SEC = 1_000_000_000;

interface Boot {
  host: FakeHost;
  store: FileStore;
}

async function boot(fs: FileSystem, clock: FakeClock): Promise<Boot> {
  const store = await FileStore.open(fs, DIR, {}, {
    expiryTimer: false,
    now: () => clock.ms * 1_000_000,
  });
  const host = new FakeHost(streamConfig({ storage: "file" }), store);
  host.messaging.clock = clock;
  host.messaging.interest.add("in.>");
  return { host, store };
}

async function shutdown(b: Boot): Promise<void> {
  await b.host.stop();
  await b.store.close();
}

function create(b: Boot, clock: FakeClock, config: Record<string, unknown>): Promise<Consumer> {
  return createConsumer(b.host, decodeConsumerConfig(config), "", { clock });
}

function pull(c: Consumer, reply: string, batch: number): void {
  c.processPullRequest(reply, enc.encode(JSON.stringify({ batch, expires: 60 * SEC })));
}

function stateOf(c: Consumer) {
  const i = c.info() as Record<string, unknown>;
  const strip = (s: unknown) => {
    const { last_active: _, ...rest } = s as Record<string, unknown>;
    return rest;
  };
  return {
    created: i.created,
    config: i.config,
    delivered: strip(i.delivered),
    ack_floor: strip(i.ack_floor),
    num_ack_pending: i.num_ack_pending,
    num_redelivered: i.num_redelivered,
    num_pending: i.num_pending,
  };
}

Deno.test("restart: a durable consumer comes back with its floor, pending and config", async () => {
  const fs = new MemoryFileSystem();
  const clock = new FakeClock();
  let b = await boot(fs, clock);
  for (let i = 1; i <= 6; i++) await b.host.publish(`s.${i}`, `m${i}`);
  let c = await create(b, clock, { durable_name: "D", ack_policy: "explicit", ack_wait: 2 * SEC });
  pull(c, "in.1", 5);
  await clock.advance(1);
  const d = b.host.messaging.deliveries("in.1");
  eq(d.length, 5);
  for (const i of [0, 1, 3]) b.host.messaging.send(d[i].reply!, "+ACK", `ack.${i}`);
  await clock.advance(1);
  for (const i of [0, 1, 3]) eq(b.host.messaging.to(`ack.${i}`).length, 1);
  const before = stateOf(c);
  eq(before.ack_floor, { consumer_seq: 2, stream_seq: 2 });
  eq(before.num_ack_pending, 2);
  await shutdown(b);

  b = await boot(fs, clock);
  const restored = await restoreConsumers(b.host, { clock });
  eq(restored.map((x) => x.name), ["D"]);
  c = restored[0];
  eq(b.host.consumers.get("D"), c);
  eq(stateOf(c), before);

  // Unacked 3 and 5 come again (delivery 2), then the next new message.
  await clock.advance(2500);
  pull(c, "in.2", 3);
  await clock.advance(1);
  const again = b.host.messaging.deliveries("in.2");
  eq(again.map((p) => ackTokens(p).slice(0, 2)), [[2, 3], [2, 5], [1, 6]]);
  eq(ackTokens(again[0])[2], 6); // consumer sequences continue
  await shutdown(b);
});

Deno.test("restart: acks answered before a power loss survive it", async () => {
  const fs = new MemoryFileSystem();
  const clock = new FakeClock();
  let b = await boot(fs.mount(), clock);
  for (let i = 1; i <= 4; i++) await b.host.publish(`s.${i}`);
  const c = await create(b, clock, { durable_name: "D", ack_policy: "explicit" });
  pull(c, "in.1", 4);
  await clock.advance(1);
  const d = b.host.messaging.deliveries("in.1");
  b.host.messaging.send(d[0].reply!, "+ACK", "ack.1");
  b.host.messaging.send(d[1].reply!, "+ACK", "ack.2");
  await clock.advance(1);
  eq(b.host.messaging.to("ack.2").length, 1);
  fs.crash();
  await b.host.stop();
  await b.store.close().catch(() => {});

  b = await boot(fs.mount(), clock);
  const [back] = await restoreConsumers(b.host, { clock });
  const s = stateOf(back);
  ok((s.ack_floor as { stream_seq: number }).stream_seq >= 2, JSON.stringify(s.ack_floor));
  await shutdown(b);
});

Deno.test("restart: a deleted consumer stays deleted, an unfinished one is cleaned up, others' state kept", async () => {
  const fs = new MemoryFileSystem();
  const clock = new FakeClock();
  let b = await boot(fs, clock);
  const gone = await create(b, clock, { durable_name: "GONE" });
  await create(b, clock, { durable_name: "KEPT", ack_policy: "explicit" });
  await gone.delete();
  // A consumer store whose creation never finished (no metadata saved).
  const half = await b.store.consumerStore("HALF", { ackPolicy: "explicit", maxDeliver: -1 });
  await half.setStartingSeq(3);
  // State of another kind (a source feed's position) is left alone.
  const feed = await b.store.consumerStore("$source.M", { ackPolicy: "none", maxDeliver: 0 });
  await feed.setStartingSeq(5);
  await shutdown(b);
  const peek = await FileStore.open(fs, DIR, {}, { expiryTimer: false });
  eq(peek.consumers().map((e) => e.name).sort(), ["$source.M", "HALF", "KEPT"]);
  await peek.close();

  b = await boot(fs, clock);
  const restored = await restoreConsumers(b.host, { clock });
  eq(restored.map((c) => c.name), ["KEPT"]);
  eq(b.store.consumers().map((e) => e.name).sort(), ["$source.M", "KEPT"]);
  await shutdown(b);
});

Deno.test("restart: a restored ephemeral goes away after its inactive threshold", async () => {
  const fs = new MemoryFileSystem();
  const clock = new FakeClock();
  let b = await boot(fs, clock);
  const eph = await create(b, clock, { ack_policy: "explicit", inactive_threshold: 2 * SEC });
  await shutdown(b);

  b = await boot(fs, clock);
  const [back] = await restoreConsumers(b.host, { clock });
  eq(back.name, eph.name);
  await clock.advance(2500);
  eq(b.host.consumers.size, 0);
  eq(b.store.consumers(), []);
  await shutdown(b);
});

Deno.test("restart: restoreConsumers on a store without consumers restores nothing", async () => {
  const fs = new MemoryFileSystem();
  const clock = new FakeClock();
  const b = await boot(fs, clock);
  eq(await restoreConsumers(b.host, { clock }), []);
  await shutdown(b);
});
