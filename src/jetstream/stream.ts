/**
 * A stream: subscribes to its subjects, admits each message (duplicate window, `Nats-Expected-*`
 * checks, rollups, per-message TTL), stores it and acknowledges it only once the store says it
 * is durable. It also serves direct gets and keeps its consumers (interest and work-queue
 * retention ask them whether a message may go).
 *
 * Ordering: admission checks and the store's sequence assignment happen synchronously, in
 * arrival order; only the wait for durability is asynchronous. So `Nats-Expected-Last-Sequence`
 * sees every earlier message, even one whose fsync has not finished.
 */
import type { InboundMsg } from "../conn/internal.ts";
import type { Subscription } from "../pubsub/subscription.ts";
import { buildHeaders, getHeader, parseHeaders } from "../protocol/headers.ts";
import { matchSubject } from "../subject/subject.ts";
import { SubjectTransform } from "../subject/transform.ts";
import { encodeUtf8 } from "../util/bytes.ts";
import { nowNs, rfc3339Nano } from "../util/time.ts";
import { parseDuration } from "../config/duration.ts";
import {
  type ApiError,
  apiError,
  JSAccountResourcesExceededErr,
  JSMessageTTLDisabledErr,
  JSMessageTTLInvalidErr,
  JSStreamMessageExceedsMaximumErr,
  JSStreamNotMatchErr,
  JSStreamRollupFailedF,
  JSStreamSealedErr,
  JSStreamStoreFailedF,
  JSStreamWrongLastMsgIDErrF,
  JSStreamWrongLastSequenceErrF,
} from "./api_errors.ts";
import type { ConsumerStreamHandle, JsMessaging, StreamConfig, StreamConsumer } from "./types.ts";
import { StoreError, type StreamStore } from "./store/mod.ts";
import { DirectGet } from "./direct_get.ts";
import { storeConfigOf } from "./stream_config.ts";
import { DuplicateWindow } from "./dedupe.ts";
import { SourceFeed } from "./stream_sources.ts";

export interface StreamInfoOptions {
  deletedDetails?: boolean;
  subjectsFilter?: string;
}

export class Stream implements ConsumerStreamHandle {
  config: StreamConfig;
  readonly store: StreamStore;
  readonly messaging: JsMessaging;
  readonly created: number;
  readonly consumers = new Map<string, StreamConsumer>();
  /** The account's limit check for a new message (false: refuse it); null: no limits. */
  admitLimit: ((subject: string, headers: Uint8Array | null, data: Uint8Array) => boolean) | null =
    null;
  #subs: Subscription[] = [];
  #listeners = new Set<(seq: number, subject: string) => void>();
  #dedupe: DuplicateWindow;
  #lastMsgId = "";
  #direct: DirectGet | null = null;
  #serverName: string;
  #transform: SubjectTransform | null;
  #feeds: SourceFeed[] = [];

  constructor(
    config: StreamConfig,
    store: StreamStore,
    messaging: JsMessaging,
    created: number,
    serverName: string,
  ) {
    this.config = config;
    this.store = store;
    this.messaging = messaging;
    this.created = created;
    this.#serverName = serverName;
    this.#dedupe = new DuplicateWindow(config.duplicate_window);
    this.#transform = transformOf(config);
  }

  get name(): string {
    return this.config.name;
  }

  /** Rebuilds the duplicate window from stored messages, then starts taking messages. */
  async start(): Promise<void> {
    await this.#dedupe.rebuild(this.store);
    this.#subscribe();
  }

  #subscribe(): void {
    for (const sub of this.#subs) this.messaging.unsubscribe(sub);
    this.#subs = this.config.subjects.map((s) => this.messaging.subscribe(s, this.#onMessage));
    this.#direct?.stop();
    this.#direct = this.config.allow_direct ? new DirectGet(this) : null;
  }

  /**
   * Starts copying from the configured sources (or the mirrored stream); `lookup` finds
   * streams of the same account by name.
   */
  async startSources(lookup: (name: string) => Stream | undefined): Promise<void> {
    for (const feed of this.#feeds) await feed.stop();
    const c = this.config;
    this.#feeds = c.mirror
      ? [new SourceFeed(this, c.mirror, true, lookup)]
      : (c.sources ?? []).map((src) => new SourceFeed(this, src, false, lookup));
    for (const feed of this.#feeds) await feed.start();
  }

  onStored(listener: (seq: number, subject: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies an updated config (validated by the caller). */
  async update(config: StreamConfig): Promise<void> {
    const subjectsChanged = config.subjects.join(" ") !== this.config.subjects.join(" ") ||
      config.allow_direct !== this.config.allow_direct;
    this.config = config;
    this.#dedupe.window = config.duplicate_window;
    this.#transform = transformOf(config);
    await this.store.updateConfig(storeConfigOf(config));
    if (subjectsChanged) this.#subscribe();
  }

  #onMessage = (msg: InboundMsg): void => {
    void this.ingest(msg);
  };

  /**
   * Admits one message (from a publisher, or copied from a source), stores it and answers the
   * reply subject. Resolves once it is durable; errors are answered, never thrown.
   */
  ingest(incoming: InboundMsg): Promise<void> {
    const t = this.#transform;
    const msg = t !== null && t.matches(incoming.subject)
      ? { ...incoming, subject: t.apply(incoming.subject) }
      : incoming;
    let stored: Promise<void>;
    try {
      stored = this.#admit(msg);
    } catch (err) {
      this.#respond(msg.reply, { error: (err as ApiError).toJSON?.() ?? String(err) });
      return Promise.resolve();
    }
    return stored.catch((err) => {
      const e = err instanceof StoreError ? storeErrorToApi(err) : err as ApiError;
      this.#respond(msg.reply, { error: e.toJSON?.() ?? { code: 500, description: String(e) } });
    });
  }

  /** Synchronous checks and sequence assignment; the promise settles once durable. */
  #admit(msg: InboundMsg): Promise<void> {
    const c = this.config;
    if (c.sealed) throw apiError(JSStreamSealedErr);
    const h = msg.headers;
    const msgId = h === null ? null : getHeader(h, "Nats-Msg-Id");
    if (msgId) {
      const dup = this.#dedupe.lookup(msgId);
      if (dup !== 0) {
        this.#respond(msg.reply, { stream: c.name, seq: dup, duplicate: true });
        return Promise.resolve();
      }
    }
    let ttl = 0;
    let rollup: string | null = null;
    if (h !== null) {
      const expStream = getHeader(h, "Nats-Expected-Stream");
      if (expStream !== null && expStream !== c.name) throw apiError(JSStreamNotMatchErr);
      const expLast = getHeader(h, "Nats-Expected-Last-Sequence");
      const lastSeq = this.store.state().lastSeq;
      if (expLast !== null && Number(expLast) !== lastSeq) {
        throw apiError(JSStreamWrongLastSequenceErrF, { seq: lastSeq });
      }
      const expSubj = getHeader(h, "Nats-Expected-Last-Subject-Sequence");
      if (expSubj !== null) {
        const last = this.store.lastSeqsPerSubject(msg.subject)[0] ?? 0;
        if (Number(expSubj) !== last) throw apiError(JSStreamWrongLastSequenceErrF, { seq: last });
      }
      const expId = getHeader(h, "Nats-Expected-Last-Msg-Id");
      if (expId !== null && expId !== this.#lastMsgId) {
        throw apiError(JSStreamWrongLastMsgIDErrF, { id: this.#lastMsgId });
      }
      rollup = getHeader(h, "Nats-Rollup");
      if (rollup !== null) {
        if (!c.allow_rollup_hdrs) {
          throw apiError(JSStreamRollupFailedF, { err: "rollup not permitted" });
        }
        if (rollup !== "sub" && rollup !== "all") {
          throw apiError(JSStreamRollupFailedF, {
            err: `rollup value invalid: ${JSON.stringify(rollup)}`,
          });
        }
      }
      const ttlText = getHeader(h, "Nats-TTL");
      if (ttlText !== null) {
        if (!c.allow_msg_ttl) throw apiError(JSMessageTTLDisabledErr);
        ttl = parseTtl(ttlText);
      }
    }
    const bodySize = (h?.length ?? 0) + msg.data.length;
    if (c.max_msg_size >= 0 && bodySize > c.max_msg_size) {
      throw apiError(JSStreamMessageExceedsMaximumErr);
    }
    if (this.admitLimit !== null && !this.admitLimit(msg.subject, h, msg.data)) {
      throw apiError(JSAccountResourcesExceededErr);
    }
    const pending = this.store.storeMsg(msg.subject, h, msg.data, ttl !== 0 ? { ttl } : undefined);
    // The store assigned the sequence synchronously: it is the last one now.
    const seq = this.store.state().lastSeq;
    if (msgId) this.#dedupe.record(msgId, seq);
    // Like nats-server: the last message's id, empty when it had none.
    this.#lastMsgId = msgId ?? "";
    return pending.then(async (r) => {
      if (rollup === "sub") await this.store.purge({ filter: msg.subject, seq: r.seq });
      else if (rollup === "all") await this.store.purge({ seq: r.seq });
      this.#respond(msg.reply, { stream: c.name, seq: r.seq });
      for (const listener of this.#listeners) listener(r.seq, msg.subject);
      this.#afterStore(r.seq, msg);
    });
  }

  #afterStore(seq: number, msg: InboundMsg): void {
    const c = this.config;
    if (c.retention === "interest" && this.consumers.size === 0) {
      // Nobody is interested: an interest stream does not keep the message.
      void this.store.removeMsg(seq);
    }
    if (c.republish) this.#republish(seq, msg);
  }

  #republish(seq: number, msg: InboundMsg): void {
    const rp = this.config.republish!;
    const src = rp.src || ">";
    if (!matchSubject(msg.subject, src)) return;
    const dest = new SubjectTransform(src, rp.dest).apply(msg.subject);
    const entries: (readonly [string, string])[] = [
      ...parseHeaders(msg.headers).entries,
      ["Nats-Stream", this.name],
      ["Nats-Subject", msg.subject],
      ["Nats-Sequence", String(seq)],
      ["Nats-Last-Sequence", String(Math.max(0, seq - 1))],
    ];
    if (rp.headers_only) entries.push(["Nats-Msg-Size", String(msg.data.length)]);
    const data = rp.headers_only ? new Uint8Array(0) : msg.data;
    this.messaging.publish(dest, null, buildHeaders(entries), data);
  }

  consumerAcked(_consumer: string, seq: number): void {
    if (this.config.retention === "limits") return;
    void this.#removeIfDone(seq);
  }

  /** Interest/work-queue retention: drops `seq` once no consumer still needs it. */
  async #removeIfDone(seq: number): Promise<void> {
    const msg = await this.store.loadMsg(seq);
    if (msg === null) return;
    for (const consumer of this.consumers.values()) {
      if (!consumer.doneWith(seq, msg.subject)) return;
    }
    await this.store.removeMsg(seq);
  }

  #respond(reply: string, body: Record<string, unknown>): void {
    if (reply === "") return;
    this.messaging.publish(reply, null, null, encodeUtf8(JSON.stringify(body)));
  }

  /** StreamInfo JSON, as nats-server writes it. */
  info(opts: StreamInfoOptions = {}): Record<string, unknown> {
    const s = this.store.state({ deleted: opts.deletedDetails });
    const state: Record<string, unknown> = {
      messages: s.msgs,
      bytes: s.bytes,
      first_seq: s.firstSeq,
      first_ts: rfc3339Nano(s.firstTs),
      last_seq: s.lastSeq,
      last_ts: rfc3339Nano(s.lastTs),
      consumer_count: this.consumers.size,
    };
    if (s.numSubjects > 0) state.num_subjects = s.numSubjects;
    if (s.numDeleted > 0) state.num_deleted = s.numDeleted;
    if (opts.deletedDetails && s.deleted && s.deleted.length > 0) state.deleted = s.deleted;
    if (s.lost !== null) state.lost = s.lost;
    if (opts.subjectsFilter) {
      const subjects = this.store.subjectsState(opts.subjectsFilter);
      if (subjects.size > 0) state.subjects = Object.fromEntries(subjects);
    }
    const info: Record<string, unknown> = {
      config: this.config,
      created: rfc3339Nano(this.created),
      state,
      cluster: { leader: this.#serverName },
      ts: rfc3339Nano(nowNs()),
    };
    if (this.config.mirror && this.#feeds.length > 0) info.mirror = this.#feeds[0].info();
    else if (this.#feeds.length > 0) info.sources = this.#feeds.map((f) => f.info());
    return info;
  }

  /** Unsubscribes and stops consumers (shutdown); the store stays on disk. */
  async stop(): Promise<void> {
    for (const feed of this.#feeds) await feed.stop();
    for (const sub of this.#subs) this.messaging.unsubscribe(sub);
    this.#subs = [];
    this.#direct?.stop();
    for (const consumer of this.consumers.values()) await consumer.stop();
    await this.store.close();
  }

  /** Removes the stream, its consumers and every stored byte. */
  async delete(): Promise<void> {
    for (const feed of this.#feeds) await feed.stop();
    for (const sub of this.#subs) this.messaging.unsubscribe(sub);
    this.#subs = [];
    this.#direct?.stop();
    for (const consumer of this.consumers.values()) await consumer.delete();
    this.consumers.clear();
    await this.store.delete();
  }
}

function transformOf(c: StreamConfig): SubjectTransform | null {
  const t = c.subject_transform;
  return t && t.dest ? new SubjectTransform(t.src || ">", t.dest) : null;
}

/** `Nats-TTL`: a Go duration, a number of seconds, or `never`; at least one second. */
function parseTtl(text: string): number {
  if (text === "never") return -1;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    try {
      ms = parseDuration(text);
    } catch {
      throw apiError(JSMessageTTLInvalidErr);
    }
  }
  if (!(ms >= 1000)) throw apiError(JSMessageTTLInvalidErr);
  return ms * 1_000_000;
}

function storeErrorToApi(err: StoreError): ApiError {
  const text: Record<string, string> = {
    max_msgs: "maximum messages exceeded",
    max_bytes: "maximum bytes exceeded",
    max_msgs_per_subject: "maximum messages per subject exceeded",
    max_msg_size: "message size exceeds maximum allowed",
  };
  if (err.code === "max_msg_size") return apiError(JSStreamMessageExceedsMaximumErr);
  return apiError(JSStreamStoreFailedF, { err: text[err.code] ?? err.message });
}
