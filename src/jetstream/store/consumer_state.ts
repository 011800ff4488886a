/**
 * Consumer delivery state (delivered, ack floor, pending, redelivery counts) and the store that
 * keeps it. Every update is turned into a `ConsumerChange` that states its *effect* in absolute
 * terms (the new floor, the pending entry added or removed), and the same `applyChange` runs for
 * live updates and for replay after a restart, so a recovered consumer is bit-for-bit the one
 * that was acknowledged. Persistence is a `ConsumerChangeSink`: the FileStore's is a durable,
 * group-committed log; the MemStore's resolves at once.
 *
 * Semantics follow nats-server's consumer store: deliveries at or below the ack floor are stale
 * and ignored; with ack none the floor moves with delivered; ack all acks everything up to the
 * sequence; an explicit ack of the message just above the floor moves the floor up to just below
 * the oldest message still pending; a redelivery past max_deliver stops being pending.
 */

import { StoreError } from "./store.ts";

export type AckPolicy = "none" | "all" | "explicit";

export interface ConsumerStoreConfig {
  ackPolicy: AckPolicy;
  /** <= 0: unlimited. */
  maxDeliver: number;
}

export interface SeqPair {
  consumerSeq: number;
  streamSeq: number;
}

export interface PendingEntry {
  /** Consumer sequence of the first delivery. */
  consumerSeq: number;
  /** ns timestamp of the latest delivery. */
  ts: number;
}

export interface ConsumerState {
  delivered: SeqPair;
  ackFloor: SeqPair;
  /** Delivered, not yet acknowledged, by stream sequence. */
  pending: Map<number, PendingEntry>;
  /** Times redelivered, by stream sequence. */
  redelivered: Map<number, number>;
}

export type PendingOp = "none" | "add" | "touch" | "remove";

export type ConsumerChange =
  | {
    op: "deliver";
    dseq: number;
    sseq: number;
    ts: number;
    delivered: SeqPair;
    ackFloor: SeqPair;
    pending: PendingOp;
    /** New redelivery count for sseq; 0 leaves it unchanged. */
    redelivered: number;
  }
  | { op: "ack"; sseq: number; upTo: boolean; ackFloor: SeqPair }
  | { op: "state"; state: ConsumerState }
  | { op: "meta"; meta: Uint8Array }
  | { op: "delete" };

export interface ConsumerStore {
  readonly name: string;
  readonly config: Readonly<ConsumerStoreConfig>;
  /** Changes how future updates are interpreted (ack policy, max deliver). */
  updateConfig(config: ConsumerStoreConfig): void;
  /** Durably saves opaque bytes with the consumer (its config JSON), returned by `meta()`. */
  setMeta(meta: Uint8Array): Promise<void>;
  meta(): Uint8Array | null;
  /** As if `streamSeq` was the last message delivered (a new consumer's start position). */
  setStartingSeq(streamSeq: number): Promise<void>;
  /** Records delivery number `deliveryCount` of stream message `sseq` as consumer seq `dseq`. */
  updateDelivered(dseq: number, sseq: number, deliveryCount: number, ts: number): Promise<void>;
  /** Records an acknowledgement; false when `sseq` was not pending (nothing to ack). */
  updateAcks(dseq: number, sseq: number): Promise<boolean>;
  /** Replaces the whole state (consumer reset, restore). */
  update(state: ConsumerState): Promise<void>;
  /** A copy of the current state. */
  state(): ConsumerState;
  /** Durably forgets the consumer. */
  delete(): Promise<void>;
}

export interface ConsumerChangeSink {
  /** Resolves once `change` is durable. */
  persist(name: string, change: ConsumerChange): Promise<void>;
  forget(name: string): void;
}

export function emptyConsumerState(): ConsumerState {
  return {
    delivered: { consumerSeq: 0, streamSeq: 0 },
    ackFloor: { consumerSeq: 0, streamSeq: 0 },
    pending: new Map(),
    redelivered: new Map(),
  };
}

export function cloneConsumerState(s: ConsumerState): ConsumerState {
  const pending = new Map<number, PendingEntry>();
  for (const [k, v] of s.pending) pending.set(k, { ...v });
  return {
    delivered: { ...s.delivered },
    ackFloor: { ...s.ackFloor },
    pending,
    redelivered: new Map(s.redelivered),
  };
}

/** Applies a change to a state in place: the one path for live updates and replay. */
export function applyChange(s: ConsumerState, c: ConsumerChange): void {
  switch (c.op) {
    case "deliver": {
      s.delivered = { ...c.delivered };
      s.ackFloor = { ...c.ackFloor };
      if (c.pending === "add") s.pending.set(c.sseq, { consumerSeq: c.dseq, ts: c.ts });
      else if (c.pending === "touch") {
        const p = s.pending.get(c.sseq);
        if (p !== undefined) p.ts = c.ts;
      } else if (c.pending === "remove") s.pending.delete(c.sseq);
      if (c.redelivered > 0) s.redelivered.set(c.sseq, c.redelivered);
      return;
    }
    case "ack": {
      if (c.upTo) {
        for (const seq of s.pending.keys()) if (seq <= c.sseq) s.pending.delete(seq);
        for (const seq of s.redelivered.keys()) if (seq <= c.sseq) s.redelivered.delete(seq);
      } else {
        s.pending.delete(c.sseq);
        s.redelivered.delete(c.sseq);
      }
      s.ackFloor = { ...c.ackFloor };
      return;
    }
    case "state": {
      const copy = cloneConsumerState(c.state);
      s.delivered = copy.delivered;
      s.ackFloor = copy.ackFloor;
      s.pending = copy.pending;
      s.redelivered = copy.redelivered;
      return;
    }
    case "meta":
    case "delete":
      return;
  }
}

/** The change a delivery makes, or null when it changes nothing. */
export function deliveryChange(
  s: ConsumerState,
  cfg: Readonly<ConsumerStoreConfig>,
  dseq: number,
  sseq: number,
  dc: number,
  ts: number,
): ConsumerChange | null {
  if (dseq <= s.ackFloor.consumerSeq) return null; // stale replay
  const delivered = {
    consumerSeq: Math.max(s.delivered.consumerSeq, dseq),
    streamSeq: Math.max(s.delivered.streamSeq, sseq),
  };
  if (cfg.ackPolicy === "none") {
    if (dc !== 1) return null;
    const ackFloor = {
      consumerSeq: dseq > s.delivered.consumerSeq ? dseq : s.ackFloor.consumerSeq,
      streamSeq: sseq > s.delivered.streamSeq ? sseq : s.ackFloor.streamSeq,
    };
    return { op: "deliver", dseq, sseq, ts, delivered, ackFloor, pending: "none", redelivered: 0 };
  }
  let pending: PendingOp = sseq > s.delivered.streamSeq
    ? "add"
    : s.pending.has(sseq)
    ? "touch"
    : "none";
  let redelivered = 0;
  if (dc > 1) {
    if (cfg.maxDeliver > 0 && dc > cfg.maxDeliver) pending = "remove";
    if ((s.redelivered.get(sseq) ?? 0) < dc - 1) redelivered = dc - 1;
  }
  return {
    op: "deliver",
    dseq,
    sseq,
    ts,
    delivered,
    ackFloor: { ...s.ackFloor },
    pending,
    redelivered,
  };
}

/** The change an ack makes, or null when it changes nothing. */
export function ackChange(
  s: ConsumerState,
  cfg: Readonly<ConsumerStoreConfig>,
  dseq: number,
  sseq: number,
): ConsumerChange | null {
  if (cfg.ackPolicy === "none" || dseq <= s.ackFloor.consumerSeq) return null;
  const p = s.pending.get(sseq);
  if (p === undefined) {
    // Not pending: only a stale redelivery count may need dropping.
    return s.redelivered.has(sseq)
      ? { op: "ack", sseq, upTo: false, ackFloor: { ...s.ackFloor } }
      : null;
  }
  if (cfg.ackPolicy === "all") {
    return { op: "ack", sseq, upTo: true, ackFloor: { consumerSeq: dseq, streamSeq: sseq } };
  }
  // Explicit: the floor only moves when the message just above it is acked.
  if (p.consumerSeq > 0 && dseq > p.consumerSeq) dseq = p.consumerSeq;
  let ackFloor = { ...s.ackFloor };
  if (s.pending.size === 1) {
    ackFloor = { ...s.delivered };
  } else if (dseq === s.ackFloor.consumerSeq + 1) {
    const next = oldestPendingAbove(s, sseq);
    ackFloor = next === null
      ? { consumerSeq: dseq, streamSeq: sseq }
      : { consumerSeq: next.entry.consumerSeq - 1, streamSeq: next.seq - 1 };
  }
  return { op: "ack", sseq, upTo: false, ackFloor };
}

/** The pending message with the smallest stream sequence above `sseq`. */
function oldestPendingAbove(
  s: ConsumerState,
  sseq: number,
): { seq: number; entry: PendingEntry } | null {
  // Pending sequences are usually dense just above the floor: probe a few, then scan them all.
  const probeEnd = Math.min(s.delivered.streamSeq, sseq + s.pending.size);
  for (let seq = sseq + 1; seq <= probeEnd; seq++) {
    const entry = s.pending.get(seq);
    if (entry !== undefined) return { seq, entry };
  }
  let best: { seq: number; entry: PendingEntry } | null = null;
  for (const [seq, entry] of s.pending) {
    if (seq > sseq && (best === null || seq < best.seq)) best = { seq, entry };
  }
  return best;
}

/** A consumer's state plus a sink that makes each change durable before the call resolves. */
export class ConsumerStateStore implements ConsumerStore {
  readonly name: string;
  #config: ConsumerStoreConfig;
  #state: ConsumerState;
  #meta: Uint8Array | null;
  #sink: ConsumerChangeSink;
  #deleted = false;

  constructor(
    name: string,
    config: ConsumerStoreConfig,
    sink: ConsumerChangeSink,
    restored?: { state: ConsumerState; meta: Uint8Array | null },
  ) {
    this.name = name;
    this.#config = { ...config };
    this.#sink = sink;
    this.#state = restored?.state ?? emptyConsumerState();
    this.#meta = restored?.meta ?? null;
  }

  get config(): Readonly<ConsumerStoreConfig> {
    return this.#config;
  }

  updateConfig(config: ConsumerStoreConfig): void {
    this.#config = { ...config };
  }

  meta(): Uint8Array | null {
    return this.#meta;
  }

  setMeta(meta: Uint8Array): Promise<void> {
    this.#meta = meta.slice();
    return this.#commit({ op: "meta", meta: this.#meta });
  }

  setStartingSeq(streamSeq: number): Promise<void> {
    const next = cloneConsumerState(this.#state);
    next.delivered.streamSeq = streamSeq;
    if (this.#config.ackPolicy === "none") next.ackFloor.streamSeq = streamSeq;
    return this.#commit({ op: "state", state: next });
  }

  updateDelivered(dseq: number, sseq: number, deliveryCount: number, ts: number): Promise<void> {
    return this.#commit(deliveryChange(this.#state, this.#config, dseq, sseq, deliveryCount, ts));
  }

  async updateAcks(dseq: number, sseq: number): Promise<boolean> {
    const wasPending = this.#state.pending.has(sseq);
    await this.#commit(ackChange(this.#state, this.#config, dseq, sseq));
    return wasPending;
  }

  update(state: ConsumerState): Promise<void> {
    return this.#commit({ op: "state", state: cloneConsumerState(state) });
  }

  state(): ConsumerState {
    return cloneConsumerState(this.#state);
  }

  async delete(): Promise<void> {
    if (this.#deleted) return;
    await this.#commit({ op: "delete" });
    this.#deleted = true;
    this.#sink.forget(this.name);
  }

  #commit(change: ConsumerChange | null): Promise<void> {
    if (this.#deleted) return Promise.reject(new StoreError("closed"));
    if (change === null) return Promise.resolve();
    applyChange(this.#state, change);
    return this.#sink.persist(this.name, change);
  }
}
