/**
 * Serving pull requests (ADR-13): admitting a request against the consumer's limits, choosing
 * the request each message goes to, and answering requests that end without (all) their
 * messages with nats-server's statuses: `408 Request Timeout`, `404 No Messages`,
 * `409 Message Size Exceeds MaxBytes`, `409 Exceeded MaxWaiting`, `409 Exceeded MaxRequestBatch
 * of <n>`, `409 Consumer Deleted`, plus `100 Idle Heartbeat`s for requests that asked for them.
 */
import type { ConsumerConfig } from "./consumer_config_json.ts";
import {
  CONSUMER_DELETED,
  EXCEEDED_MAX_WAITING,
  goDuration,
  idleHeartbeat,
  NO_MESSAGES,
  pendingStatus,
  REQUESTS_PENDING,
  statusBlock,
} from "./consumer_status.ts";
import { parsePullRequest, type WaitingRequest, WaitQueue } from "./consumer_waiting.ts";

const NS_PER_MS = 1_000_000;

/** What serving pull requests needs from its consumer. */
export interface PullContext {
  config(): ConsumerConfig;
  /** Publishes a header-only status to a requester. */
  status(reply: string, headers: Uint8Array): void;
  hasInterest(subject: string): boolean;
  /** Messages ready to go (new ones matching the filter plus queued redeliveries). */
  msgsPending(): number;
  /** Last delivered consumer and stream sequences, for heartbeats. */
  lastDelivered(): [number, number];
}

export interface WaitingScan {
  /** Earliest expiry or heartbeat left (ms); 0 when none. */
  next: number;
  /** Messages the remaining requests still want. */
  batchPending: number;
}

export class PullServer {
  readonly queue: WaitQueue;
  #ctx: PullContext;

  constructor(ctx: PullContext, maxWaiting: number, now: number) {
    this.#ctx = ctx;
    this.queue = new WaitQueue(maxWaiting, now);
  }

  /** Admits a request; returns it when it waits for messages, null when it was answered. */
  request(reply: string, data: Uint8Array, now: number): WaitingRequest | null {
    if (reply === "") return null;
    const ctx = this.#ctx;
    const req = parsePullRequest(data);
    if (typeof req === "string") {
      ctx.status(reply, statusBlock(400, `Bad Request - ${req}`));
      return null;
    }
    const cfg = ctx.config();
    const batch = Math.max(1, req.batch);
    if (cfg.max_batch > 0 && batch > cfg.max_batch) {
      ctx.status(reply, statusBlock(409, `Exceeded MaxRequestBatch of ${cfg.max_batch}`));
      return null;
    }
    if (req.expires > 0 && cfg.max_expires > 0 && req.expires > cfg.max_expires) {
      const text = `Exceeded MaxRequestExpires of ${goDuration(cfg.max_expires)}`;
      ctx.status(reply, statusBlock(409, text));
      return null;
    }
    if (req.maxBytes > 0 && cfg.max_bytes > 0 && req.maxBytes > cfg.max_bytes) {
      ctx.status(reply, statusBlock(409, `Exceeded MaxRequestMaxBytes of ${cfg.max_bytes}`));
      return null;
    }
    if (this.queue.isFull()) this.process(false, now);
    if (req.noWait) {
      const pending = ctx.msgsPending();
      if (pending === 0 && req.expires === 0) {
        this.queue.last = now;
        ctx.status(reply, NO_MESSAGES);
        return null;
      }
      if (pending > 0 && pending < this.process(false, now).batchPending) {
        this.queue.last = now;
        ctx.status(reply, REQUESTS_PENDING);
        return null;
      }
    }
    const hb = req.heartbeat / NS_PER_MS;
    const wr: WaitingRequest = {
      reply,
      n: batch,
      d: 0,
      b: Math.max(0, req.maxBytes),
      expires: req.expires > 0 ? now + req.expires / NS_PER_MS : 0,
      received: now,
      hb,
      hbt: hb > 0 ? now + hb : 0,
      noWait: req.noWait,
    };
    if (!this.queue.add(wr)) {
      // A requester with heartbeats will notice they stop; a 409 would make it retry at once.
      if (hb === 0) ctx.status(reply, EXCEEDED_MAX_WAITING);
      return null;
    }
    return wr;
  }

  /**
   * The request the next message (`size` bytes as delivered) goes to, charged one message;
   * null when none can take it. Requests met on the way that expired, cannot take the size, or
   * lost their requester are answered (or dropped) and removed.
   */
  next(size: number, now: number): WaitingRequest | null {
    const ctx = this.#ctx;
    for (let wr = this.queue.peek(); wr !== undefined; wr = this.queue.peek()) {
      if (wr.expires > 0 && now >= wr.expires) {
        ctx.status(wr.reply, pendingStatus(408, "Request Timeout", wr.n, wr.b));
        this.queue.remove(wr);
        continue;
      }
      if (wr.b > 0) {
        if (size <= wr.b) {
          wr.b -= size;
          // Exactly used up: this message is the request's last.
          if (wr.b === 0) wr.n = 1;
        } else {
          ctx.status(wr.reply, pendingStatus(409, "Message Size Exceeds MaxBytes", wr.n, wr.b));
          this.queue.remove(wr);
          continue;
        }
      }
      if (ctx.hasInterest(wr.reply)) {
        const taken = this.queue.pop();
        if (taken.n > 0 && taken.hb > 0) taken.hbt = now + taken.hb;
        return taken;
      }
      this.queue.remove(wr);
    }
    return null;
  }

  /**
   * Expires requests, drops those nobody listens to any more, sends due heartbeats and, at the
   * end of the stream (`eos`), answers no-wait requests: `404 No Messages` when nothing was
   * delivered, else `408 Request Timeout` with what is left (as nats-server 2.9 does).
   */
  process(eos: boolean, now: number): WaitingScan {
    const ctx = this.#ctx;
    let next = 0;
    let batchPending = 0;
    for (const wr of this.queue.list()) {
      if (wr.expires > 0 && now >= wr.expires) {
        ctx.status(wr.reply, pendingStatus(408, "Request Timeout", wr.n, wr.b));
        this.queue.remove(wr);
        continue;
      }
      if (eos && wr.noWait) {
        if (wr.d > 0) {
          ctx.status(wr.reply, pendingStatus(408, "Request Timeout", wr.n, wr.b));
          this.queue.remove(wr);
          continue;
        }
        if (wr.expires === 0) {
          ctx.status(wr.reply, NO_MESSAGES);
          this.queue.remove(wr);
          continue;
        }
      }
      if (!ctx.hasInterest(wr.reply)) {
        this.queue.remove(wr);
        continue;
      }
      batchPending += wr.n;
      if (wr.hbt > 0) {
        if (now >= wr.hbt) {
          const [dseq, sseq] = ctx.lastDelivered();
          ctx.status(wr.reply, idleHeartbeat(dseq, sseq, ""));
          wr.hbt = now + wr.hb;
        }
        if (next === 0 || wr.hbt < next) next = wr.hbt;
      }
      if (wr.expires > 0 && (next === 0 || wr.expires < next)) next = wr.expires;
    }
    return { next, batchPending };
  }

  /** The consumer is going away: every waiting requester hears `409 Consumer Deleted`. */
  release(): void {
    for (const wr of this.queue.drain()) this.#ctx.status(wr.reply, CONSUMER_DELETED);
  }
}
