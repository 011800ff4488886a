/**
 * A JetStream consumer: reads its stream's store in order, delivers to a push subject or to
 * waiting pull requests with `$JS.ACK…` reply subjects, tracks what awaits an ack, redelivers
 * after ack_wait (or backoff), honours max_deliver, max_ack_pending, replay original,
 * rate_limit_bps and headers_only, and keeps its state durable in a ConsumerStore. This file
 * is its public face (start, info, updates, purges, stop, delete); the layers below hold the
 * rest (see consumer_base.ts).
 */
import { ACK_PREFIX } from "./consumer_acks.ts";
import { ConsumerAcking } from "./consumer_acking.ts";
import { ADVISORY_TYPE, NS } from "./consumer_base.ts";
import type { ConsumerConfig } from "./consumer_config_json.ts";
import { validateConsumerUpdate } from "./consumer_config.ts";
import { consumerInfoJson } from "./consumer_info.ts";

export type {
  ConsumerMeta,
  ConsumerOptions,
  JsDelivery,
  StreamConsumerHost,
} from "./consumer_base.ts";

/** After a restart, pending messages are checked this soon (or after ack_wait if shorter). */
const RESTORED_CHECK_MS = 1000;

export class Consumer extends ConsumerAcking {
  /** Positions a new consumer: `sseq` is the first stream sequence it may deliver. */
  async setStart(sseq: number, lss: number[] | null, resume: number): Promise<void> {
    this.ps.start(sseq);
    this.lss = lss !== null && lss.length > 0 ? { seqs: lss, resume } : null;
    await this.store.setStartingSeq(sseq - 1);
  }

  /** Takes over the state its ConsumerStore kept (restart). */
  restoreState(): void {
    this.ps.restore(this.store.state());
  }

  /** Subscribes and starts delivering. */
  start(restored = false): void {
    const host = this.host;
    const m = host.messaging;
    const cfg = this.cfg;
    const now = this.clock.now();
    this.durableLast = host.store.state().lastSeq;
    if (cfg.ack_policy !== "none") {
      this.subs.push(m.subscribe(`${ACK_PREFIX}${host.name}.${this.name}.>`, this.onAck));
    }
    const push = this.push;
    if (push !== null) {
      if (cfg.flow_control) this.subs.push(m.subscribe(push.fcSubject, this.onFlowControl));
      this.checkInterest(now);
      if (!push.active && this.dthresh > 0) this.deleteAt = now + this.dthresh;
    } else if (this.dthresh > 0) {
      this.deleteAt = now + this.dthresh;
    }
    this.unlisten = host.onStored(this.onStored);
    this.npc = this.countPending();
    if (cfg.replay_policy === "original") {
      this.replay = true;
      this.replayUntil = this.durableLast;
    }
    if (restored && this.ps.pending.size > 0) {
      this.armAckCheck(now + Math.min(this.ackWaitNs(0) / NS, RESTORED_CHECK_MS));
    }
    this.rearm();
    this.kick();
  }

  /** Interest/work-queue retention (nats-server's needAck, inverted). */
  doneWith(seq: number, subject: string): boolean {
    if (!this.matches(subject)) return true;
    const ps = this.ps;
    let need = seq > ps.asflr;
    if (need && this.cfg.ack_policy === "explicit") need = seq >= ps.sseq || ps.pending.has(seq);
    // A message that reached max_deliver is kept.
    return !(need || ps.rdc.has(seq));
  }

  streamPurged(firstSeq: number): void {
    const ps = this.ps;
    if (ps.sseq < firstSeq) ps.sseq = firstSeq;
    if (ps.asflr < firstSeq) {
      ps.asflr = firstSeq - 1;
      for (const [seq, p] of ps.pending) {
        if (seq > ps.asflr) continue;
        if (p.dseq > ps.adflr) ps.adflr = p.dseq;
        ps.pending.delete(seq);
        ps.rdc.delete(seq);
      }
    }
    ps.deliveredSseq = Math.max(ps.deliveredSseq, ps.sseq - 1);
    if (ps.pending.size === 0) {
      ps.adflr = ps.dseq - 1;
      ps.asflr = ps.sseq - 1;
    }
    ps.dropRedeliveriesBelow(firstSeq);
    if (this.lss !== null) {
      this.lss.seqs = this.lss.seqs.filter((s) => s >= firstSeq);
      if (this.lss.seqs.length === 0) {
        ps.sseq = Math.max(ps.sseq, this.lss.resume + 1);
        this.lss = null;
      }
    }
    this.npc = this.countPending();
    this.persist(this.store.update(ps.snapshot()));
    this.kick();
  }

  info(): Record<string, unknown> {
    const now = this.clock.now();
    const ps = this.ps;
    let waiting = 0;
    if (this.pull !== null) {
      if (!this.stopped) this.pull.process(false, now);
      waiting = this.pull.queue.length;
    }
    this.npc = this.countPending();
    return consumerInfoJson({
      stream: this.stream,
      name: this.name,
      created: this.createdNs,
      config: this.cfg,
      delivered: {
        consumerSeq: ps.dseq - 1,
        streamSeq: ps.deliveredSseq,
        lastActive: this.ldt * NS,
      },
      ackFloor: { consumerSeq: ps.adflr, streamSeq: ps.asflr, lastActive: this.lat * NS },
      numAckPending: ps.pending.size,
      numRedelivered: ps.rdc.size,
      numWaiting: waiting,
      numPending: this.npc,
      pushBound: this.push?.active ?? false,
      now: now * NS,
    });
  }

  /** Applies an updated config (already defaulted and validated as a config). */
  async update(next: ConsumerConfig): Promise<void> {
    const cur = this.cfg;
    validateConsumerUpdate(cur, next, (s) => this.host.messaging.hasInterest(s));
    const now = this.clock.now();
    this.store.updateConfig({ ackPolicy: next.ack_policy, maxDeliver: next.max_deliver });
    this.cfg = next;
    const filtersBefore = this.filterList.join(" ");
    this.applyConfig(next);
    const push = this.push;
    if (push !== null && next.deliver_subject !== cur.deliver_subject) {
      // The old subscriber is gone: everything pending goes again, to the new subject.
      const ps = this.ps;
      for (const seq of [...ps.pending.keys()].sort((a, b) => a - b)) ps.queueRedelivery(seq);
      push.deliverSubject = next.deliver_subject;
      push.reset();
      this.checkInterest(now);
    }
    if (
      next.ack_wait !== cur.ack_wait || next.backoff.join() !== cur.backoff.join()
    ) {
      this.armAckCheck(now + 100);
    }
    if (next.inactive_threshold !== cur.inactive_threshold) {
      this.deleteAt = this.dthresh > 0 && (push === null || !push.active) ? now + this.dthresh : 0;
    }
    if (this.filterList.join(" ") !== filtersBefore) this.npc = this.countPending();
    await this.store.setMeta(this.meta());
    this.rearm();
    this.kick();
  }

  /** Stops timers and subscriptions; the durable state stays. */
  stop(): Promise<void> {
    this.shutdown();
    return Promise.resolve();
  }

  /**
   * Removes the consumer: waiting pulls hear 409 Consumer Deleted, a DELETED advisory goes out,
   * its state is deleted. It leaves the stream's table only once its store is gone, so a new
   * consumer of the same name (which waits for `whenDeleted`) never shares that store.
   */
  delete(): Promise<void> {
    if (this.deletion !== null) return this.deletion;
    this.shutdown();
    this.pull?.release();
    this.advise("DELETED", {
      type: `${ADVISORY_TYPE}consumer_action`,
      stream: this.stream,
      consumer: this.name,
      action: "delete",
    });
    this.deletion = this.store.delete()
      .catch((err) => this.log(`JetStream consumer '${this.stream} > ${this.name}': ${err}`))
      .finally(() => {
        if (this.host.consumers.get(this.name) === this) this.host.consumers.delete(this.name);
      });
    return this.deletion;
  }

  /** Resolves once a deletion in progress has finished (at once when none is). */
  whenDeleted(): Promise<void> {
    return this.deletion ?? Promise.resolve();
  }

  /** The CREATED advisory (sent by whoever registered the consumer). */
  announceCreated(): void {
    this.advise("CREATED", {
      type: `${ADVISORY_TYPE}consumer_action`,
      stream: this.stream,
      consumer: this.name,
      action: "create",
    });
  }
}
