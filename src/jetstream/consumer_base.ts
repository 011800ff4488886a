/**
 * The state every part of a consumer shares, and the small helpers they all use. A consumer is
 * built in layers, one concern per file: this base (state, config, timer arming, messaging
 * helpers), delivery (consumer_delivery.ts: reading the store and delivering), timers
 * (consumer_timers.ts: ack wait, heartbeats, interest, inactivity), acks (consumer_acking.ts:
 * acks, pull requests, stream notifications) and the public Consumer (consumer.ts: lifecycle,
 * info, updates). Fields are `protected` so the layers can share them; nothing outside the
 * consumer files touches them.
 */
import type { Subscription } from "../pubsub/subscription.ts";
import { matchSubjectTokens } from "../subject/subject.ts";
import { encodeUtf8 } from "../util/bytes.ts";
import type { ConsumerStore } from "./store/mod.ts";
import type { ConsumerStreamHandle, StreamConsumer } from "./types.ts";
import { type ConsumerConfig, encodeConsumerConfig } from "./consumer_config_json.ts";
import { filtersOf, isDurable, isPush, sampleFrequency } from "./consumer_config.ts";
import { type ConsumerClock, DeadlineTimer, SYSTEM_CLOCK } from "./consumer_clock.ts";
import { PendingState } from "./consumer_pending.ts";
import { PullServer } from "./consumer_pull.ts";
import { PushFlow } from "./consumer_push.ts";
import { RateLimiter } from "./consumer_pacing.ts";

/** What a consumer needs from its stream: the contract plus the stream's consumer table. */
export interface StreamConsumerHost extends ConsumerStreamHandle {
  readonly consumers: Map<string, StreamConsumer>;
}

/**
 * Delivery as nats-server does it: routed to `to` (the deliver subject or the pull request's
 * reply), but the message keeps its stream subject on the wire (MSG <subject> <sid> <ack
 * reply>). Clients depend on it: nats.js takes a message on its pull inbox's own subject for
 * a status. Messaging that lacks `deliver` gets plain publishes to `to`.
 */
export interface JsDelivery {
  deliver(
    to: string,
    subject: string,
    reply: string,
    headers: Uint8Array | null,
    data: Uint8Array,
  ): void;
}

export interface ConsumerOptions {
  clock?: ConsumerClock;
  /** Diagnostics (store failures). */
  log?: (text: string) => void;
  /** The account's `max_consumers` per stream (-1 or absent: only the stream's own limit). */
  accountMaxConsumers?: number;
}

/** What a consumer saves with its state (`ConsumerStore.setMeta`), to be recreated on restart. */
export interface ConsumerMeta {
  config: Record<string, unknown>;
  /** ns */
  created: number;
}

export const EMPTY = new Uint8Array(0);
export const NS = 1_000_000;
export const ADVISORY_TYPE = "io.nats.jetstream.advisory.v1.";
const ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.";
/** Burst of the rate limiter when the stream has no max_msg_size (nats-server: max payload). */
const DEFAULT_RATE_BURST = 1024 * 1024;

export abstract class ConsumerBase implements StreamConsumer {
  readonly name: string;
  protected readonly host: StreamConsumerHost;
  protected readonly store: ConsumerStore;
  protected readonly clock: ConsumerClock;
  protected readonly log: (text: string) => void;
  protected readonly createdNs: number;
  protected readonly timer: DeadlineTimer;
  protected readonly ps = new PendingState();
  protected cfg: ConsumerConfig;
  protected filterList: string[] = [];
  protected filterTokens: string[][] = [];
  protected pull: PullServer | null = null;
  protected push: PushFlow | null = null;
  protected subs: Subscription[] = [];
  protected unlisten: (() => void) | null = null;
  protected stopped = false;
  protected deletion: Promise<void> | null = null;
  protected pumping = false;
  protected again = false;
  protected idleAtEos = true;
  /** Cached count of matching messages not yet delivered (for ack replies). */
  protected npc = 0;
  /** Highest sequence the stream reported durably stored. */
  protected durableLast = 0;
  protected lss: { seqs: number[]; resume: number } | null = null;
  protected replay = false;
  protected replayUntil = 0;
  protected lts = 0;
  protected rate: RateLimiter | null = null;
  protected sampleFreq = 0;
  /** Last delivery and last ack (ms), for ConsumerInfo. */
  protected ldt = 0;
  protected lat = 0;
  /** Inactivity threshold (ms); 0 for none. */
  protected dthresh = 0;
  // Deadlines (ms on the clock); 0 means none.
  protected ackCheckAt = 0;
  protected waitingAt = 0;
  protected pollAt = 0;
  protected deleteAt = 0;
  protected wakeAt = 0;
  protected wake: ((ok: boolean) => void) | null = null;

  constructor(
    host: StreamConsumerHost,
    name: string,
    config: ConsumerConfig,
    store: ConsumerStore,
    created: number,
    opts: ConsumerOptions = {},
  ) {
    this.name = name;
    this.host = host;
    this.store = store;
    this.clock = opts.clock ?? SYSTEM_CLOCK;
    this.log = opts.log ?? (() => {});
    this.createdNs = created;
    this.cfg = config;
    this.timer = new DeadlineTimer(this.clock, () => this.onTimer());
    this.applyConfig(config);
    const now = this.clock.now();
    if (isPush(config)) {
      this.push = new PushFlow(
        { publish: (subject, reply, hdr) => host.messaging.publish(subject, reply, hdr, EMPTY) },
        host.name,
        name,
        config.deliver_subject,
        config.flow_control,
        now,
      );
    } else {
      this.pull = new PullServer(
        {
          config: () => this.cfg,
          status: (reply, hdr) => this.status(reply, hdr),
          hasInterest: (subject) => host.messaging.hasInterest(subject),
          msgsPending: () => this.npc + this.ps.redeliveryCount,
          lastDelivered: () => [this.ps.dseq - 1, this.ps.sseq - 1],
        },
        config.max_waiting,
        now,
      );
    }
  }

  get config(): ConsumerConfig {
    return this.cfg;
  }

  get stream(): string {
    return this.host.name;
  }

  get created(): number {
    return this.createdNs;
  }

  get isDurable(): boolean {
    return isDurable(this.cfg);
  }

  /** The filters in effect ([] when the consumer sees the whole stream). */
  get filters(): readonly string[] {
    return this.filterList;
  }

  get closed(): boolean {
    return this.stopped;
  }

  /** The metadata saved with the consumer's state. */
  meta(): Uint8Array {
    const meta: ConsumerMeta = { config: encodeConsumerConfig(this.cfg), created: this.createdNs };
    return encodeUtf8(JSON.stringify(meta));
  }

  protected applyConfig(c: ConsumerConfig): void {
    // A filter equal to the stream's only subject filters nothing (nats-server's isFiltered).
    let filters = filtersOf(c).filter((f) => f !== ">");
    const subjects = this.host.config.subjects;
    if (filters.length === 1 && subjects.length === 1 && filters[0] === subjects[0]) filters = [];
    this.filterList = filters;
    this.filterTokens = filters.map((f) => f.split("."));
    this.sampleFreq = sampleFrequency(c.sample_freq) ?? 0;
    this.dthresh = c.inactive_threshold / NS;
    const burst = this.host.config.max_msg_size > 0
      ? this.host.config.max_msg_size
      : DEFAULT_RATE_BURST;
    this.rate = c.rate_limit_bps > 0
      ? new RateLimiter(c.rate_limit_bps, burst, this.clock.now())
      : null;
  }

  protected ackWaitNs(seq: number): number {
    const bo = this.cfg.backoff;
    if (bo.length === 0) return this.cfg.ack_wait;
    return bo[Math.min(this.ps.rdc.get(seq) ?? 0, bo.length - 1)];
  }

  protected armAckCheck(at: number): void {
    if (this.ackCheckAt === 0 || at < this.ackCheckAt) {
      this.ackCheckAt = at;
      this.timer.atOrBefore(at);
    }
  }

  protected heartbeatAt(): number {
    const hb = this.cfg.idle_heartbeat;
    return this.push !== null && hb > 0 ? this.push.lastActivity + hb / NS : 0;
  }

  protected rearm(): void {
    if (this.stopped) return;
    let at = 0;
    const deadlines = [
      this.wakeAt,
      this.ackCheckAt,
      this.waitingAt,
      this.pollAt,
      this.deleteAt,
      this.heartbeatAt(),
    ];
    for (const d of deadlines) if (d > 0 && (at === 0 || d < at)) at = d;
    this.timer.atOrBefore(at);
  }

  protected sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.wakeAt = this.clock.now() + ms;
      this.rearm();
    });
  }

  protected matches(subject: string): boolean {
    if (this.filterList.length === 0) return true;
    for (let i = 0; i < this.filterList.length; i++) {
      if (this.filterList[i] === subject || matchSubjectTokens(subject, this.filterTokens[i])) {
        return true;
      }
    }
    return false;
  }

  /** Matching messages from the next sequence on (nats-server's num_pending). */
  protected countPending(): number {
    const store = this.host.store;
    const from = this.ps.sseq;
    const lastPerSubject = this.cfg.deliver_policy === "last_per_subject";
    if (this.filterList.length === 0) return store.numPending("", from, lastPerSubject);
    let n = 0;
    for (const f of this.filterList) n += store.numPending(f, from, lastPerSubject);
    return n;
  }

  protected shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer.clear();
    for (const sub of this.subs) this.host.messaging.unsubscribe(sub);
    this.subs = [];
    this.unlisten?.();
    this.unlisten = null;
    const wake = this.wake;
    this.wake = null;
    this.wakeAt = 0;
    wake?.(false);
  }

  protected advise(kind: string, body: Record<string, unknown>): void {
    const subject = `${ADVISORY}${kind}.${this.stream}.${this.name}`;
    const m = this.host.messaging;
    if (m.hasInterest(subject)) m.advisory(subject, body);
  }

  protected status(reply: string, headers: Uint8Array): void {
    this.host.messaging.publish(reply, null, headers, EMPTY);
  }

  protected reply(reply: string): void {
    if (reply !== "") this.host.messaging.publish(reply, null, null, EMPTY);
  }

  protected persist(p: Promise<unknown>): void {
    p.catch((err) => this.storeFailed(err));
  }

  protected storeFailed(err: unknown): void {
    if (this.stopped) return;
    this.log(`JetStream consumer '${this.stream} > ${this.name}' state: ${err}`);
  }

  /** Called by the timer when one of the deadlines is due. */
  protected abstract onTimer(): void;
  /** Push: looks again whether anyone listens on the deliver subject. */
  protected abstract checkInterest(now: number): void;
  /** Acks `sseq` for good (+TERM) and sends MSG_TERMINATED. */
  protected abstract terminate(
    sseq: number,
    dseq: number,
    deliveries: number,
    reason: string,
    reply: string,
  ): Promise<void>;
  abstract info(): Record<string, unknown>;
  abstract doneWith(seq: number, subject: string): boolean;
  abstract streamPurged(firstSeq: number): void;
  abstract stop(): Promise<void>;
  abstract delete(): Promise<void>;
}
