/**
 * Fakes for consumer tests: a clock the test moves (timers fire in deadline order), messaging
 * that records every publish and lets the test play a client (ack, pull, subscribe), and a
 * stream host over a MemStore or FileStore that reports stored messages like a Stream does.
 */
import { MemStore } from "../../../src/jetstream/store/mem_store.ts";
import type { StreamStore } from "../../../src/jetstream/store/mod.ts";
import type { ConsumerClock } from "../../../src/jetstream/consumer_clock.ts";
import type { StreamConsumerHost } from "../../../src/jetstream/consumer.ts";
import type { JsMessaging, StreamConfig, StreamConsumer } from "../../../src/jetstream/types.ts";
import type { InboundHandler } from "../../../src/conn/internal.ts";
import { type Subscriber, Subscription } from "../../../src/pubsub/subscription.ts";
import { matchSubject } from "../../../src/subject/subject.ts";
import { parseHeaders } from "../../../src/protocol/headers.ts";
import { type ConsumerAction, createConsumer } from "../../../src/jetstream/consumer_create.ts";
import type { Consumer } from "../../../src/jetstream/consumer.ts";
import { decodeConsumerConfig } from "../../../src/jetstream/consumer_config_json.ts";

export const enc = new TextEncoder();
export const dec = new TextDecoder();

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** Milliseconds; starts at a realistic wall-clock time. */
export class FakeClock implements ConsumerClock {
  ms = 1_700_000_000_000;
  #timers: Timer[] = [];
  #next = 1;

  now = (): number => this.ms;

  setTimer = (fn: () => void, ms: number): unknown => {
    const t = { id: this.#next++, at: this.ms + Math.max(0, ms), fn };
    this.#timers.push(t);
    return t.id;
  };

  clearTimer = (handle: unknown): void => {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  };

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward, firing due timers in order and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      await settle();
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.#timers[0];
      if (t === undefined || t.at > end) break;
      this.#timers.shift();
      this.ms = Math.max(this.ms, t.at);
      t.fn();
    }
    this.ms = end;
    await settle();
  }
}

/** Lets pending promise chains (store reads, durability) run to completion. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}

export interface Published {
  /** Clock time (ms) of the publish. */
  at: number;
  /** Where it was routed (the deliver subject or pull reply for deliveries). */
  subject: string;
  /** The subject on the wire: the stream message's own subject for deliveries. */
  msgSubject: string;
  reply: string | null;
  headers: Uint8Array | null;
  data: Uint8Array;
}

const owner: Subscriber = { cid: 0, echo: true, closed: false, deliver() {} };

export class FakeMessaging implements JsMessaging {
  published: Published[] = [];
  advisories: { subject: string; body: Record<string, unknown> }[] = [];
  /** Subjects (wildcards allowed) that outside clients listen on. */
  interest = new Set<string>(["$JS.EVENT.>"]);
  /** Stamps publishes with this clock's time. */
  clock: { now(): number } | null = null;
  #subs = new Map<Subscription, InboundHandler>();
  #sid = 1;

  publish(subject: string, reply: string | null, headers: Uint8Array | null, data: Uint8Array) {
    const at = this.clock?.now() ?? 0;
    this.published.push({ at, subject, msgSubject: subject, reply, headers, data: data.slice() });
  }

  deliver(
    to: string,
    subject: string,
    reply: string,
    headers: Uint8Array | null,
    data: Uint8Array,
  ): void {
    const at = this.clock?.now() ?? 0;
    this.published.push({
      at,
      subject: to,
      msgSubject: subject,
      reply,
      headers,
      data: data.slice(),
    });
  }

  subscribe(subject: string, handler: InboundHandler, queue: string | null = null): Subscription {
    const sub = new Subscription(owner, subject, queue, String(this.#sid++));
    this.#subs.set(sub, handler);
    return sub;
  }

  unsubscribe(sub: Subscription): void {
    this.#subs.delete(sub);
  }

  get subscriptions(): string[] {
    return [...this.#subs.keys()].map((s) => s.subject);
  }

  hasInterest(subject: string): boolean {
    for (const p of this.interest) if (matchSubject(subject, p)) return true;
    return false;
  }

  advisory(subject: string, body: Record<string, unknown>): void {
    this.advisories.push({ subject, body });
  }

  /** A client publishes into the server (acks, flow control replies). */
  send(subject: string, data: string | Uint8Array = "", reply = ""): void {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    for (const [sub, handler] of [...this.#subs]) {
      if (matchSubject(subject, sub.subject)) {
        handler({ subject, reply, headers: null, data: bytes }, sub);
      }
    }
  }

  /** Messages published to `subject` (exact), in order. */
  to(subject: string): Published[] {
    return this.published.filter((p) => p.subject === subject);
  }

  /** Deliveries (messages with a $JS.ACK reply) to `subject`. */
  deliveries(subject: string): Published[] {
    return this.to(subject).filter((p) => p.reply?.startsWith("$JS.ACK.") ?? false);
  }

  clear(): void {
    this.published = [];
    this.advisories = [];
  }
}

/** The status line and headers of a published status message. */
export function statusOf(p: Published): { code: number; text: string; h: Record<string, string> } {
  const b = parseHeaders(p.headers);
  return { code: b.status, text: b.description, h: Object.fromEntries(b.entries) };
}

export function streamConfig(overrides: Partial<StreamConfig> = {}): StreamConfig {
  return {
    name: "S",
    subjects: ["s.>"],
    retention: "limits",
    max_consumers: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    max_msgs_per_subject: -1,
    max_msg_size: -1,
    discard: "old",
    storage: "memory",
    num_replicas: 1,
    duplicate_window: 120_000_000_000,
    allow_rollup_hdrs: false,
    deny_delete: false,
    deny_purge: false,
    sealed: false,
    allow_direct: false,
    mirror_direct: false,
    ...overrides,
  };
}

export class FakeHost implements StreamConsumerHost {
  readonly config: StreamConfig;
  readonly store: StreamStore;
  readonly messaging: FakeMessaging;
  readonly consumers = new Map<string, StreamConsumer>();
  readonly acked: number[] = [];
  #listeners = new Set<(seq: number, subject: string) => void>();

  constructor(
    config: StreamConfig,
    store: StreamStore,
    messaging = new FakeMessaging(),
  ) {
    this.config = config;
    this.store = store;
    this.messaging = messaging;
  }

  get name(): string {
    return this.config.name;
  }

  onStored(listener: (seq: number, subject: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  consumerAcked(_consumer: string, seq: number): void {
    this.acked.push(seq);
  }

  /** Stores a message and, once durable, tells the listeners (as Stream does). */
  async publish(subject: string, data: string | Uint8Array = "", headers?: Uint8Array) {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    const r = await this.store.storeMsg(subject, headers ?? null, bytes);
    for (const l of [...this.#listeners]) l(r.seq, subject);
    return r.seq;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  async stop(): Promise<void> {
    for (const c of [...this.consumers.values()]) await c.stop();
  }
}

export interface Fixture {
  clock: FakeClock;
  host: FakeHost;
  m: FakeMessaging;
  /** Creates a consumer from JSON config (as the API would decode it). */
  consumer(config: Record<string, unknown>, action?: ConsumerAction): Promise<Consumer>;
  close(): Promise<void>;
}

/** A MemStore stream `S` on `s.>` with a fake clock; `close` stops everything. */
export function fixture(stream: Partial<StreamConfig> = {}): Fixture {
  const clock = new FakeClock();
  const store = new MemStore({}, { now: () => clock.ms * 1_000_000, expiryTimer: false });
  const host = new FakeHost(streamConfig(stream), store);
  host.messaging.clock = clock;
  return {
    clock,
    host,
    m: host.messaging,
    consumer: (config, action = "") =>
      createConsumer(host, decodeConsumerConfig(config), action, { clock }),
    async close() {
      await host.stop();
      await store.close();
    },
  };
}

/** Runs `body` with a fresh fixture, always closed afterwards. */
export async function withFixture(
  body: (f: Fixture) => Promise<void>,
  stream: Partial<StreamConfig> = {},
): Promise<void> {
  const f = fixture(stream);
  try {
    await body(f);
  } finally {
    await f.close();
  }
}

/** Ack-reply tokens of a delivery: [deliveries, sseq, dseq, ts, pending]. */
export function ackTokens(p: Published): number[] {
  return p.reply!.split(".").slice(4).map(Number);
}
