/**
 * What happens with time: the ack-wait check that queues redeliveries and enforces max_deliver
 * (nats-server's checkPending), push idle heartbeats, polling for a push subscriber, and the
 * inactivity threshold that removes idle consumers. All of it runs off the one DeadlineTimer.
 */
import { NS } from "./consumer_base.ts";
import { ConsumerDelivery } from "./consumer_delivery.ts";

/** How often a push consumer without listeners looks for them again. */
const INTEREST_POLL_MS = 100;

export abstract class ConsumerTimers extends ConsumerDelivery {
  protected onTimer(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    if (this.wakeAt > 0 && now >= this.wakeAt) {
      const wake = this.wake;
      this.wake = null;
      this.wakeAt = 0;
      wake?.(true);
    }
    if (this.ackCheckAt > 0 && now >= this.ackCheckAt) {
      this.ackCheckAt = 0;
      this.checkPending(now);
    }
    if (this.pull !== null && this.waitingAt > 0 && now >= this.waitingAt) {
      const eos = this.idleAtEos && !this.pumping;
      this.waitingAt = this.pull.process(eos, now).next;
    }
    const push = this.push;
    if (push !== null && this.cfg.idle_heartbeat > 0 && now >= this.heartbeatAt()) {
      if (push.active) push.heartbeat(this.ps.dseq - 1, this.ps.sseq - 1, now);
      else push.lastActivity = now;
    }
    if (this.pollAt > 0 && now >= this.pollAt) {
      this.pollAt = 0;
      this.checkInterest(now);
    }
    if (this.deleteAt > 0 && now >= this.deleteAt) {
      this.deleteAt = 0;
      this.checkInactive(now);
    }
    this.rearm();
  }

  /** Ack wait expiry (nats-server's checkPending): queue redeliveries, enforce max_deliver. */
  protected checkPending(now: number): void {
    const ps = this.ps;
    const cfg = this.cfg;
    const nowNs = now * NS;
    const first = this.host.store.state().firstSeq;
    let next = Infinity;
    let changed = false;
    const expired: number[] = [];
    for (const [seq, p] of ps.pending) {
      if (seq < first || seq <= ps.asflr) {
        // Gone from the stream (or below the floor): nothing left to wait for.
        ps.pending.delete(seq);
        ps.rdc.delete(seq);
        ps.removeRedelivery(seq);
        if (seq > ps.asflr) ps.asflr = seq;
        if (p.dseq > ps.adflr) ps.adflr = p.dseq;
        changed = true;
        continue;
      }
      const wait = this.ackWaitNs(seq);
      const elapsed = nowNs - p.ts;
      if (elapsed >= wait) {
        if (ps.onRedeliveryQueue(seq)) continue;
        const delivered = ps.deliveries(seq);
        if (cfg.max_deliver > 0 && delivered >= cfg.max_deliver) {
          this.maxDeliveries(seq, delivered);
        } else {
          expired.push(seq);
        }
      } else if (wait - elapsed < next) {
        next = wait - elapsed;
      }
    }
    if (expired.length > 0) {
      expired.sort((a, b) => a - b);
      // Shift their timestamps to now, keeping their order for later checks.
      const off = nowNs - ps.pending.get(expired[0])!.ts;
      for (const seq of expired) {
        ps.queueRedelivery(seq);
        ps.pending.get(seq)!.ts += off;
      }
      this.kick();
    }
    if (ps.pending.size > 0) {
      this.armAckCheck(now + (next === Infinity ? this.ackWaitNs(0) : next) / NS + 1);
    } else {
      ps.adflr = ps.dseq - 1;
      ps.asflr = ps.deliveredSseq;
    }
    if (changed) this.persist(this.store.update(ps.snapshot()));
  }

  /** Push: is anyone listening on the deliver subject? Polls while nobody is. */
  protected checkInterest(now: number): void {
    const push = this.push;
    if (push === null || this.stopped) return;
    const active = this.host.messaging.hasInterest(push.deliverSubject);
    if (active !== push.active) {
      push.active = active;
      if (active) {
        this.deleteAt = 0;
        this.kick();
      } else if (this.dthresh > 0) {
        this.deleteAt = now + this.dthresh;
      }
    }
    this.pollAt = active ? 0 : now + INTEREST_POLL_MS;
  }

  /** Acks and pull requests count as activity for the inactivity threshold. */
  protected suppressDeletion(now: number): void {
    if (this.push !== null) {
      if (this.deleteAt > 0) this.deleteAt = now + this.dthresh;
    } else {
      this.pull!.queue.last = now;
    }
  }

  /** nats-server's deleteNotActive: removes an idle consumer past its inactive_threshold. */
  protected checkInactive(now: number): void {
    if (this.dthresh <= 0 || this.stopped) return;
    if (this.push !== null) {
      if (!this.push.active) void this.delete();
      return;
    }
    const pull = this.pull!;
    if (now - pull.queue.last < this.dthresh) {
      this.deleteAt = pull.queue.last + this.dthresh;
      return;
    }
    pull.process(true, now);
    if (pull.queue.length > 0) {
      this.deleteAt = now + this.dthresh;
      return;
    }
    // A client may still be working on what it got: wait for the last ack deadline too.
    let until = 0;
    for (const [seq, p] of this.ps.pending) {
      until = Math.max(until, (p.ts + this.ackWaitNs(seq)) / NS + this.dthresh);
    }
    if (until > now) {
      this.deleteAt = until;
      return;
    }
    void this.delete();
  }
}
