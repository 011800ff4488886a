/**
 * What clients send a consumer: acks on `$JS.ACK.<stream>.<consumer>.>` (+ACK, -NAK with an
 * optional delay, +WPI, +NXT, +TERM, each answered when the ack had a reply subject; +ACK and
 * +TERM only once durable), flow control replies, and pull requests; plus the stream's
 * notifications of newly stored messages.
 */
import type { InboundMsg } from "../conn/internal.ts";
import { encodeUtf8 } from "../util/bytes.ts";
import {
  type AckReplyInfo,
  parseAckBody,
  parseAckSubject,
  parseNakDelay,
} from "./consumer_acks.ts";
import { ADVISORY_TYPE, NS } from "./consumer_base.ts";
import { CONSUMER_IS_PUSH } from "./consumer_status.ts";
import { ConsumerTimers } from "./consumer_timers.ts";

const ACK_METRIC = "$JS.EVENT.METRIC.CONSUMER.ACK.";

export abstract class ConsumerAcking extends ConsumerTimers {
  protected onAck = (msg: InboundMsg): void => {
    if (this.stopped) return;
    const now = this.clock.now();
    this.suppressDeletion(now);
    const info = parseAckSubject(msg.subject);
    if (info === null) return;
    const body = parseAckBody(msg.data);
    switch (body.kind) {
      case "ack":
        void this.ack(info, msg.reply, now);
        return;
      case "next":
        void this.ack(info, "", now);
        this.processPullRequest(msg.reply, encodeUtf8(body.arg));
        return;
      case "term":
        void this.terminate(info.sseq, info.dseq, info.deliveries, body.arg, msg.reply);
        return;
      case "nak":
        this.nak(info, body.arg, now);
        break;
      case "progress":
        this.progress(info.sseq, now);
        break;
      case "unknown":
        break;
    }
    this.reply(msg.reply);
    this.rearm();
  };

  /** +ACK (and the ack part of +NXT and +TERM): answered and reported once durable. */
  protected async ack(info: AckReplyInfo, reply: string, now: number): Promise<void> {
    const { sseq, dseq } = info;
    const ps = this.ps;
    const cfg = this.cfg;
    // Acks for messages not delivered yet are ignored (and not answered), as in nats-server.
    if (cfg.ack_policy === "none" || sseq >= ps.sseq) return;
    this.lat = now;
    const wasFull = cfg.max_ack_pending > 0 && ps.pending.size >= cfg.max_ack_pending;
    let acked: number[];
    if (cfg.ack_policy === "explicit") {
      const p = ps.pending.get(sseq);
      if (p !== undefined && this.sampleFreq > 0) this.sample(info, p.ts, now);
      ps.ackOne(sseq);
      acked = [sseq];
    } else {
      const covered = ps.ackUpTo(dseq, sseq);
      if (covered === null) {
        this.reply(reply);
        return;
      }
      acked = covered.includes(sseq) ? covered : [...covered, sseq];
    }
    const durable = this.store.updateAcks(dseq, sseq);
    if (wasFull) this.kick();
    try {
      await durable;
    } catch (err) {
      this.storeFailed(err);
      return;
    }
    this.reply(reply);
    if (this.host.config.retention !== "limits") {
      for (const seq of acked) this.host.consumerAcked(this.name, seq);
    }
  }

  /** +TERM: acknowledged, never redelivered, and announced with a MSG_TERMINATED advisory. */
  protected async terminate(
    sseq: number,
    dseq: number,
    deliveries: number,
    reason: string,
    reply: string,
  ): Promise<void> {
    const done = this.ack({ sseq, dseq, deliveries, ts: 0, pending: 0 }, reply, this.clock.now());
    const body: Record<string, unknown> = {
      type: `${ADVISORY_TYPE}terminated`,
      stream: this.stream,
      consumer: this.name,
      consumer_seq: dseq,
      stream_seq: sseq,
      deliveries,
    };
    if (reason !== "") body.reason = reason;
    this.advise("MSG_TERMINATED", body);
    await done;
  }

  /** -NAK: redeliver now, or after the given delay. */
  protected nak(info: AckReplyInfo, arg: string, now: number): void {
    const { sseq, dseq, deliveries } = info;
    const ps = this.ps;
    if (dseq <= ps.adflr || dseq >= ps.dseq) return;
    const p = ps.pending.get(sseq);
    if (p === undefined) return;
    this.advise("MSG_NAKED", {
      type: `${ADVISORY_TYPE}nak`,
      stream: this.stream,
      consumer: this.name,
      consumer_seq: dseq,
      stream_seq: sseq,
      deliveries,
    });
    const delay = parseNakDelay(arg);
    if (delay !== null) {
      // Due for redelivery `delay` from now: its ack wait, counted from a shifted timestamp.
      ps.removeRedelivery(sseq);
      p.ts = now * NS - this.ackWaitNs(sseq) + delay;
      this.persist(this.store.updateDelivered(p.dseq, sseq, deliveries, p.ts));
      this.armAckCheck(now + Math.max(0, delay) / NS + 1);
      return;
    }
    ps.queueRedelivery(sseq);
    this.kick();
  }

  /** +WPI: the client is still working; restart the message's ack wait. */
  protected progress(sseq: number, now: number): void {
    const p = this.ps.pending.get(sseq);
    if (p === undefined) return;
    p.ts = now * NS;
    this.persist(this.store.updateDelivered(p.dseq, sseq, 1, p.ts));
  }

  protected sample(info: AckReplyInfo, deliveredTs: number, now: number): void {
    if (this.sampleFreq < 100 && Math.random() * 100 > this.sampleFreq) return;
    const subject = `${ACK_METRIC}${this.stream}.${this.name}`;
    if (!this.host.messaging.hasInterest(subject)) return;
    this.host.messaging.advisory(subject, {
      type: "io.nats.jetstream.metric.v1.consumer_ack",
      stream: this.stream,
      consumer: this.name,
      consumer_seq: info.dseq,
      stream_seq: info.sseq,
      ack_time: now * NS - deliveredTs,
      deliveries: info.deliveries,
    });
  }

  protected onFlowControl = (msg: InboundMsg): void => {
    if (!this.stopped && this.push?.answered(msg.subject)) this.kick();
  };

  protected onStored = (seq: number, subject: string): void => {
    if (seq > this.durableLast) this.durableLast = seq;
    if (seq >= this.ps.sseq && this.matches(subject)) this.npc++;
    this.kick();
  };

  /** A `$JS.API.CONSUMER.MSG.NEXT` request (or the request part of a +NXT ack). */
  processPullRequest(reply: string, data: Uint8Array): void {
    if (this.stopped || reply === "") return;
    if (this.pull === null) {
      this.status(reply, CONSUMER_IS_PUSH);
      return;
    }
    const now = this.clock.now();
    const wr = this.pull.request(reply, data, now);
    if (wr === null) return;
    const at = wr.expires > 0 && wr.hbt > 0 ? Math.min(wr.expires, wr.hbt) : wr.expires || wr.hbt;
    if (at > 0 && (this.waitingAt === 0 || at < this.waitingAt)) this.waitingAt = at;
    this.rearm();
    this.kick();
  }
}
