/**
 * Delivery: one "pump" at a time reads the store in order (redeliveries first, then the
 * last-per-subject start list, then new messages) and hands each message to the push subject
 * or the next pull request, with its `$JS.ACK` reply. `kick` starts the pump or asks a running
 * one to go round again. It awaits only store reads and pacing sleeps; acks, requests and
 * timers change state in between, so after every await it re-checks what it relies on.
 * Deliveries are recorded in the ConsumerStore without waiting (a crash redelivers: at least
 * once), and a message goes out only once the stream reported it durably stored.
 *
 * New messages the store has at hand (durable and cached) are delivered without awaiting, a
 * run of up to SYNC_RUN at a time: an await lets the per-turn socket flush run, so awaiting
 * every message would cost one socket write per message.
 */
import type { StoredMessage } from "./store/mod.ts";
import type { JsMessaging } from "./types.ts";
import { ackSubject } from "./consumer_acks.ts";
import { ADVISORY_TYPE, ConsumerBase, EMPTY, type JsDelivery, NS } from "./consumer_base.ts";
import { byteLength, headersOnly } from "./consumer_pacing.ts";
import type { WaitingRequest } from "./consumer_waiting.ts";

const DELETED_REASON = "Unacknowledged message was deleted";
/** Deliveries made back to back without an await (so without a socket flush in between). */
const SYNC_RUN = 256;

interface Next {
  msg: StoredMessage;
  /** Delivery number (1 for a first delivery). */
  dc: number;
  /** From the last-per-subject start list. */
  lss: boolean;
}

export abstract class ConsumerDelivery extends ConsumerBase {
  protected kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .catch((err) => this.log(`JetStream consumer '${this.stream} > ${this.name}': ${err}`))
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  protected async pump(): Promise<void> {
    do {
      this.again = false;
      await this.drain();
    } while (this.again && !this.stopped);
  }

  /** Delivers until there is nothing to deliver or nobody to deliver to. */
  protected async drain(): Promise<void> {
    if (this.push !== null) this.checkInterest(this.clock.now());
    // The first message is awaited, so that kick() never delivers before it returns.
    let run = SYNC_RUN;
    for (;;) {
      if (this.stopped) return;
      const push = this.push;
      if (push !== null ? !push.active || push.stalled : this.pull!.queue.length === 0) {
        return this.idle(true);
      }
      let next = run < SYNC_RUN ? this.nextAtHand() : undefined;
      if (next === undefined) {
        run = 0;
        next = await this.nextMessage();
        if (this.stopped) return;
      } else {
        run++;
      }
      if (next === "eos" || next === "maxAckPending") return this.idle(next === "eos");
      let ok = this.deliver(next);
      if (ok instanceof Promise) {
        run = 0;
        ok = await ok;
      }
      if (!ok) return this.idle(true);
    }
  }

  /**
   * `nextMessage` without waiting, for the usual case (no redeliveries, no last-per-subject
   * list, the next new message at hand in the store); undefined when it would have to wait.
   */
  protected nextAtHand(): Next | "eos" | "maxAckPending" | undefined {
    const ps = this.ps;
    if (ps.hasRedeliveries || this.lss !== null || this.filterList.length > 1) return undefined;
    const max = this.cfg.max_ack_pending;
    if (max > 0 && ps.pending.size >= max) return "maxAckPending";
    const store = this.host.store;
    if (store.peekNextMsg === undefined) return undefined;
    const from = ps.sseq;
    let msg;
    try {
      msg = store.peekNextMsg(this.filterList[0] ?? "", from);
    } catch {
      return undefined;
    }
    if (msg === undefined) return undefined;
    if (msg === null) {
      const last = store.state().lastSeq;
      if (last >= from) {
        ps.sseq = last + 1;
        this.npc = this.countPending();
      }
      return "eos";
    }
    if (msg.seq > this.durableLast) return "eos"; // not acknowledged to its publisher yet
    return { msg, dc: 1, lss: false };
  }

  protected idle(eos: boolean): void {
    const now = this.clock.now();
    this.idleAtEos = eos;
    if (this.replay && this.ps.sseq > this.replayUntil) this.replay = false;
    if (this.pull !== null) this.waitingAt = this.pull.process(eos, now).next;
    this.rearm();
  }

  protected async load(seq: number): Promise<StoredMessage | null> {
    try {
      return await this.host.store.loadMsg(seq);
    } catch {
      return null;
    }
  }

  protected async loadNext(from: number): Promise<StoredMessage | null> {
    const store = this.host.store;
    try {
      if (this.filterList.length <= 1) {
        return await store.loadNextMsg(this.filterList[0] ?? "", from);
      }
      let best: StoredMessage | null = null;
      for (const f of this.filterList) {
        const m = await store.loadNextMsg(f, from);
        if (m !== null && (best === null || m.seq < best.seq)) best = m;
      }
      return best;
    } catch {
      return null;
    }
  }

  /** Redeliveries first, then the last-per-subject list, then the next new message. */
  protected async nextMessage(): Promise<Next | "eos" | "maxAckPending"> {
    const ps = this.ps;
    const cfg = this.cfg;
    while (ps.hasRedeliveries) {
      const seq = ps.nextRedelivery();
      if (!ps.pending.has(seq)) continue;
      const dc = ps.incDeliveries(seq);
      if (cfg.max_deliver > 0 && dc > cfg.max_deliver) {
        this.maxDeliveries(seq, dc - 1);
        continue;
      }
      const msg = await this.load(seq);
      if (this.stopped) return "eos";
      if (msg === null || !ps.pending.has(seq)) {
        ps.decDeliveries(seq);
        const p = ps.pending.get(seq);
        if (msg === null && p !== undefined) {
          void this.terminate(seq, p.dseq, ps.deliveries(seq), DELETED_REASON, "");
        }
        continue;
      }
      return { msg, dc, lss: false };
    }
    if (cfg.max_ack_pending > 0 && ps.pending.size >= cfg.max_ack_pending) return "maxAckPending";
    while (this.lss !== null) {
      const seq = this.lss.seqs[0];
      const msg = await this.load(seq);
      if (this.stopped) return "eos";
      if (this.lss === null || this.lss.seqs[0] !== seq) continue;
      if (msg !== null) return { msg, dc: 1, lss: true };
      this.lssAdvance();
    }
    for (;;) {
      const from = ps.sseq;
      const last = this.host.store.state().lastSeq;
      const msg = await this.loadNext(from);
      if (this.stopped) return "eos";
      if (ps.sseq !== from) continue; // a purge moved us meanwhile
      if (msg === null) {
        // Nothing matches up to `last`: skip ahead so the next search starts there.
        if (last >= from) {
          ps.sseq = last + 1;
          this.npc = this.countPending();
        }
        return "eos";
      }
      if (msg.seq > this.durableLast) return "eos"; // not acknowledged to its publisher yet
      return { msg, dc: 1, lss: false };
    }
  }

  protected lssAdvance(): void {
    const lss = this.lss!;
    const seq = lss.seqs.shift()!;
    const ps = this.ps;
    if (lss.seqs.length === 0) {
      ps.sseq = Math.max(ps.sseq, lss.resume + 1);
      this.lss = null;
    } else {
      ps.sseq = Math.max(ps.sseq, seq + 1);
    }
  }

  /** Puts back a message that could not be delivered. */
  protected unget(n: Next): void {
    if (n.dc > 1) {
      this.ps.decDeliveries(n.msg.seq);
      this.ps.queueRedelivery(n.msg.seq, true);
    }
  }

  /** Replay original and rate_limit_bps: waits before a delivery. False when stopped. */
  protected async pace(msg: StoredMessage, size: number): Promise<boolean> {
    if (this.replay && this.lts > 0) {
      const delay = (msg.ts - this.lts) / NS;
      if (delay > 1 && !(await this.sleep(delay))) return false;
    }
    this.lts = msg.ts;
    if (this.rate !== null) {
      const delay = this.rate.take(size, this.clock.now());
      if (delay > 0 && !(await this.sleep(delay))) return false;
    }
    return true;
  }

  /** Delivers `n`; a promise only when it has to wait (replay or rate pacing). */
  protected deliver(n: Next): boolean | Promise<boolean> {
    const { msg, dc } = n;
    const ps = this.ps;
    const cfg = this.cfg;
    const dseq = ps.dseq;
    const pending = dc === 1 ? Math.max(0, this.npc - 1) : this.npc;
    const reply = ackSubject(this.stream, this.name, dc, msg.seq, dseq, msg.ts, pending);
    let headers = msg.headers;
    let data = msg.payload;
    if (cfg.headers_only) {
      headers = headersOnly(msg.headers, msg.payload.length);
      data = EMPTY;
    }
    const size = byteLength(msg.subject) + reply.length + (headers?.length ?? 0) + data.length;
    let wr: WaitingRequest | null = null;
    let target: string;
    if (this.push !== null) {
      target = this.push.deliverSubject;
    } else {
      wr = this.pull!.next(size, this.clock.now());
      if (wr === null) {
        this.unget(n);
        return false;
      }
      target = wr.reply;
    }
    if (this.replay || this.rate !== null) {
      return this.pace(msg, size).then((go) => {
        if (go) return this.send(n, wr, target, reply, headers, data, size);
        if (wr !== null) this.pull!.queue.credit(wr);
        this.unget(n);
        return false;
      });
    }
    return this.send(n, wr, target, reply, headers, data, size);
  }

  protected send(
    n: Next,
    wr: WaitingRequest | null,
    target: string,
    reply: string,
    headers: Uint8Array | null,
    data: Uint8Array,
    size: number,
  ): boolean {
    const { msg, dc } = n;
    const ps = this.ps;
    const cfg = this.cfg;
    const dseq = ps.dseq;
    if (dc > 1 && !ps.pending.has(msg.seq)) {
      // Acked while we were pacing: nothing to redeliver.
      ps.decDeliveries(msg.seq);
      if (wr !== null) this.pull!.queue.credit(wr);
      return true;
    }
    const now = this.clock.now();
    ps.dseq++;
    if (dc === 1) {
      if (n.lss && this.lss !== null) this.lssAdvance();
      else if (msg.seq >= ps.sseq) ps.sseq = msg.seq + 1;
      this.npc = Math.max(0, this.npc - 1);
    }
    const m = this.host.messaging as JsMessaging & Partial<JsDelivery>;
    if (m.deliver !== undefined) m.deliver(target, msg.subject, reply, headers, data);
    else m.publish(target, reply, headers, data);
    this.persist(this.store.updateDelivered(dseq, msg.seq, dc, now * NS));
    if (msg.seq > ps.deliveredSseq) ps.deliveredSseq = msg.seq;
    if (cfg.ack_policy === "none") {
      ps.deliveredNoAck(dseq, msg.seq);
      if (this.host.config.retention !== "limits") this.host.consumerAcked(this.name, msg.seq);
    } else {
      ps.track(msg.seq, dseq, now * NS);
      this.armAckCheck(now + this.ackWaitNs(msg.seq) / NS + 1);
    }
    if (this.push !== null) this.push.delivered(size, now);
    else this.pull!.queue.last = now;
    this.ldt = now;
    return true;
  }

  /** max_deliver reached: advisory, and the message stops being pending (kept in rdc). */
  protected maxDeliveries(seq: number, deliveries: number): void {
    this.advise("MAX_DELIVERIES", {
      type: `${ADVISORY_TYPE}max_deliver`,
      stream: this.stream,
      consumer: this.name,
      stream_seq: seq,
      deliveries,
    });
    const ps = this.ps;
    const maxp = this.cfg.max_ack_pending;
    const wasFull = maxp > 0 && ps.pending.size >= maxp;
    const p = ps.pending.get(seq);
    if (p !== undefined) {
      ps.pending.delete(seq);
      this.persist(this.store.updateDelivered(p.dseq, seq, deliveries + 1, p.ts));
      ps.moveAckFloor(p.dseq, seq);
    }
    ps.removeRedelivery(seq);
    ps.rdc.set(seq, deliveries);
    if (wasFull) this.kick();
  }
}
