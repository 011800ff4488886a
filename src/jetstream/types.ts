/**
 * The contracts inside JetStream: what the API router hands a handler, what a consumer needs
 * from its stream, and what a stream needs from its consumers. Streams (stream.ts) and
 * consumers (consumer*.ts) are written against these, not against each other's classes.
 */
import type { StreamStore } from "./store/mod.ts";
import type { InboundHandler } from "../conn/internal.ts";
import type { Subscription } from "../pubsub/subscription.ts";

/** Stream configuration as the JSON API carries it (snake_case, durations in nanoseconds). */
export interface StreamConfig {
  name: string;
  description?: string;
  subjects: string[];
  retention: "limits" | "interest" | "workqueue";
  max_consumers: number;
  max_msgs: number;
  max_bytes: number;
  max_age: number;
  max_msgs_per_subject: number;
  max_msg_size: number;
  discard: "old" | "new";
  discard_new_per_subject?: boolean;
  storage: "file" | "memory";
  num_replicas: number;
  no_ack?: boolean;
  duplicate_window: number;
  allow_rollup_hdrs: boolean;
  deny_delete: boolean;
  deny_purge: boolean;
  sealed: boolean;
  allow_direct: boolean;
  mirror_direct: boolean;
  allow_msg_ttl?: boolean;
  first_seq?: number;
  metadata?: Record<string, string>;
  subject_transform?: { src: string; dest: string };
  republish?: { src: string; dest: string; headers_only?: boolean };
  mirror?: StreamSourceConfig;
  sources?: StreamSourceConfig[];
  placement?: { cluster?: string; tags?: string[] };
  compression?: "none" | "s2";
  consumer_limits?: { inactive_threshold?: number; max_ack_pending?: number };
}

export interface StreamSourceConfig {
  name: string;
  opt_start_seq?: number;
  opt_start_time?: string;
  filter_subject?: string;
  subject_transforms?: { src: string; dest: string }[];
  external?: { api: string; deliver?: string };
}

/** A message a consumer reads from its stream's store. */
export interface StreamMessage {
  readonly seq: number;
  readonly subject: string;
  readonly headers: Uint8Array | null;
  readonly data: Uint8Array;
  /** Nanoseconds since the epoch. */
  readonly ts: number;
}

/** What a consumer needs from the stream it belongs to. Implemented by `Stream`. */
export interface ConsumerStreamHandle {
  readonly name: string;
  readonly config: StreamConfig;
  readonly store: StreamStore;
  /** Messaging inside the stream's account (deliveries, acks, pull requests). */
  readonly messaging: JsMessaging;
  /** Called after each message is durably stored (and acknowledged to its publisher). */
  onStored(listener: (seq: number, subject: string) => void): () => void;
  /** Interest and work-queue retention: a consumer acknowledged `seq`; the stream may drop it. */
  consumerAcked(consumer: string, seq: number): void;
}

/** Publishing and subscribing in one account, for JetStream's internal clients. */
export interface JsMessaging {
  publish(
    subject: string,
    reply: string | null,
    headers: Uint8Array | null,
    data: Uint8Array,
  ): void;
  /**
   * Routes a message to the subscribers of `to` (a push deliver subject or a pull inbox) while
   * it keeps `subject` on the wire, as nats-server delivers consumer messages.
   */
  deliver(
    to: string,
    subject: string,
    reply: string,
    headers: Uint8Array | null,
    data: Uint8Array,
  ): void;
  subscribe(subject: string, handler: InboundHandler, queue?: string | null): Subscription;
  unsubscribe(sub: Subscription): void;
  /** Is any subscriber listening on `subject` (push consumers' active state)? */
  hasInterest(subject: string): boolean;
  /** Publishes a JetStream advisory (`$JS.EVENT.ADVISORY.…`) with `type` and `timestamp` set. */
  advisory(subject: string, body: Record<string, unknown>): void;
}

/** What a stream needs from each of its consumers. Implemented by the consumer layer. */
export interface StreamConsumer {
  readonly name: string;
  /** The ConsumerInfo JSON (nats-server's field names). */
  info(): Record<string, unknown>;
  /** Interest/work-queue retention: may `seq` be removed as far as this consumer goes? */
  doneWith(seq: number, subject: string): boolean;
  /** The stream was purged or messages were removed: skip past them. */
  streamPurged(firstSeq: number): void;
  /** Stops timers and subscriptions (server shutdown). */
  stop(): Promise<void>;
  /** Removes the consumer and its durable state. */
  delete(): Promise<void>;
}

/** What the API router hands a handler. */
export interface ApiRequest {
  /** The full request subject, e.g. `$JS.API.STREAM.INFO.ORDERS`. */
  readonly subject: string;
  /** Its tokens after `$JS.API.` (e.g. `["STREAM", "INFO", "ORDERS"]`). */
  readonly tokens: readonly string[];
  readonly reply: string;
  readonly headers: Uint8Array | null;
  readonly data: Uint8Array;
  /** The body as JSON; `null` for an empty body. Throws ApiError(JSInvalidJSONErr). */
  json<T = Record<string, unknown>>(): T | null;
}

/**
 * A handler returns the response body (the router adds `type` and serialises it), or `null`
 * when it answers by itself (e.g. pull requests, whose answers are messages). Throwing an
 * `ApiError` makes an error response.
 */
export type ApiHandler = (
  req: ApiRequest,
) => Promise<Record<string, unknown> | null> | Record<string, unknown> | null;
