/**
 * A consumer's in-memory delivery state, mirroring nats-server's consumer fields: the next
 * stream and consumer sequences, the ack floors, the messages awaiting an ack (`pending`), the
 * redelivery counts (`rdc`) and the redelivery queue (`rdq`). The durable copy lives in the
 * ConsumerStore, which applies the same updates; this one is what delivery decisions read.
 */
import type { ConsumerState } from "./store/mod.ts";

export interface Pending {
  /** Consumer sequence of the first delivery. */
  dseq: number;
  /** ns of the latest delivery (or of the last progress/NAK-delay adjustment). */
  ts: number;
}

export class PendingState {
  /** Next stream sequence to look at. */
  sseq = 1;
  /** Next consumer sequence to assign. */
  dseq = 1;
  /** Highest stream sequence delivered (or the starting position): the store's `delivered`. */
  deliveredSseq = 0;
  adflr = 0;
  asflr = 0;
  readonly pending = new Map<number, Pending>();
  /** Times redelivered, by stream sequence (a message delivered twice has 1). */
  readonly rdc = new Map<number, number>();
  #rdq: number[] = [];
  #rdqSet = new Set<number>();

  /** Sets the starting position of a new consumer. */
  start(sseq: number): void {
    this.sseq = sseq;
    this.dseq = 1;
    this.adflr = 0;
    this.asflr = sseq - 1;
    this.deliveredSseq = sseq - 1;
  }

  /** Loads the state a ConsumerStore kept (restart). */
  restore(s: ConsumerState): void {
    this.sseq = s.delivered.streamSeq + 1;
    this.dseq = s.delivered.consumerSeq + 1;
    this.deliveredSseq = s.delivered.streamSeq;
    this.adflr = s.ackFloor.consumerSeq;
    this.asflr = s.ackFloor.streamSeq;
    this.pending.clear();
    for (const [seq, p] of s.pending) this.pending.set(seq, { dseq: p.consumerSeq, ts: p.ts });
    this.rdc.clear();
    for (const [seq, n] of s.redelivered) this.rdc.set(seq, n);
  }

  /** The state in the store's terms (for `ConsumerStore.update`). */
  snapshot(): ConsumerState {
    const pending = new Map<number, { consumerSeq: number; ts: number }>();
    for (const [seq, p] of this.pending) pending.set(seq, { consumerSeq: p.dseq, ts: p.ts });
    return {
      delivered: { consumerSeq: this.dseq - 1, streamSeq: this.deliveredSseq },
      ackFloor: { consumerSeq: this.adflr, streamSeq: this.asflr },
      pending,
      redelivered: new Map(this.rdc),
    };
  }

  /** How many times `seq` has been delivered. */
  deliveries(seq: number): number {
    return (this.rdc.get(seq) ?? 0) + 1;
  }

  /** Counts a redelivery; returns the delivery number it will carry. */
  incDeliveries(seq: number): number {
    const n = (this.rdc.get(seq) ?? 0) + 1;
    this.rdc.set(seq, n);
    return n + 1;
  }

  /** Undoes `incDeliveries` for a redelivery that did not happen. */
  decDeliveries(seq: number): void {
    const n = this.rdc.get(seq);
    if (n === undefined) return;
    if (n > 1) this.rdc.set(seq, n - 1);
    else this.rdc.delete(seq);
  }

  /** Records a delivery awaiting an ack; a redelivery keeps its first consumer sequence. */
  track(sseq: number, dseq: number, ts: number): void {
    const p = this.pending.get(sseq);
    if (p !== undefined) p.ts = ts;
    else this.pending.set(sseq, { dseq, ts });
  }

  /** nats-server's moveAckFloor, called after `sseq` left pending. */
  moveAckFloor(dseq: number, sseq: number): void {
    if (this.pending.size === 0) {
      this.adflr = this.dseq - 1;
      this.asflr = this.deliveredSseq;
    } else if (dseq === this.adflr + 1) {
      // Everything still pending is above `sseq`: the floor sits just below the oldest of it.
      const lowest = this.#lowestPendingAbove(sseq);
      const p = this.pending.get(lowest)!;
      this.adflr = p.dseq - 1;
      this.asflr = lowest - 1;
    }
  }

  #lowestPendingAbove(sseq: number): number {
    // Acks mostly arrive in order, so the next pending message is usually right above.
    const probeEnd = sseq + Math.min(this.pending.size, 64);
    for (let seq = sseq + 1; seq <= probeEnd; seq++) if (this.pending.has(seq)) return seq;
    let lowest = 0;
    for (const seq of this.pending.keys()) if (lowest === 0 || seq < lowest) lowest = seq;
    return lowest;
  }

  /** An explicit ack (or TERM): true when `sseq` was pending. */
  ackOne(sseq: number): boolean {
    const p = this.pending.get(sseq);
    this.rdc.delete(sseq);
    this.removeRedelivery(sseq);
    if (p === undefined) return false;
    this.pending.delete(sseq);
    this.moveAckFloor(p.dseq, sseq);
    return true;
  }

  /** An ack with policy "all": returns the pending sequences it covered, null for a stale ack. */
  ackUpTo(dseq: number, sseq: number): number[] | null {
    if (dseq <= this.adflr || sseq <= this.asflr) return null;
    this.adflr = dseq;
    this.asflr = sseq;
    const acked: number[] = [];
    for (const seq of this.pending.keys()) {
      if (seq > sseq) continue;
      acked.push(seq);
      this.pending.delete(seq);
    }
    for (const seq of this.rdc.keys()) if (seq <= sseq) this.rdc.delete(seq);
    for (const seq of [...this.#rdq]) if (seq <= sseq) this.removeRedelivery(seq);
    return acked;
  }

  /** Ack none: everything delivered is acknowledged. */
  deliveredNoAck(dseq: number, sseq: number): void {
    this.adflr = dseq;
    this.asflr = sseq;
  }

  get hasRedeliveries(): boolean {
    return this.#rdq.length > 0;
  }

  get redeliveryCount(): number {
    return this.#rdq.length;
  }

  onRedeliveryQueue(seq: number): boolean {
    return this.#rdqSet.has(seq);
  }

  queueRedelivery(seq: number, front = false): void {
    if (this.#rdqSet.has(seq)) return;
    this.#rdqSet.add(seq);
    if (front) this.#rdq.unshift(seq);
    else this.#rdq.push(seq);
  }

  nextRedelivery(): number {
    const seq = this.#rdq.shift();
    if (seq === undefined) return 0;
    this.#rdqSet.delete(seq);
    return seq;
  }

  removeRedelivery(seq: number): void {
    if (!this.#rdqSet.delete(seq)) return;
    const i = this.#rdq.indexOf(seq);
    if (i >= 0) this.#rdq.splice(i, 1);
  }

  /** Keeps only redeliveries at or above `seq` (after a purge). */
  dropRedeliveriesBelow(seq: number): void {
    for (const s of [...this.#rdq]) if (s < seq) this.removeRedelivery(s);
  }
}
