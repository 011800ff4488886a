/**
 * `MemStore`: a stream store kept entirely in memory (storage: memory). All decisions live in
 * `StoreEngine`; this file only keeps message bodies on the index and resolves durability at
 * once. Bodies are copied on store, since callers reuse their read buffers. Erasing a message
 * drops its only copy, so `eraseMsg` is `removeMsg` here.
 */

import { type EngineOptions, StoreEngine } from "./engine.ts";
import { MessageIndex } from "./msg_index.ts";
import { normalizeConfig } from "./limits.ts";
import {
  type ConsumerChangeSink,
  ConsumerStateStore,
  type ConsumerStore,
  type ConsumerStoreConfig,
} from "./consumer_state.ts";
import type { ConsumerEntry, LostData, StoreConfig, StoredMessage } from "./store.ts";

interface MemBody {
  headers: Uint8Array | null;
  payload: Uint8Array;
  ttl: number;
}

const DONE: Promise<void> = Promise.resolve();

export class MemStore extends StoreEngine {
  #consumers = new Map<string, ConsumerStateStore>();
  #sink: ConsumerChangeSink = {
    persist: () => DONE,
    forget: (name) => void this.#consumers.delete(name),
  };

  constructor(config: Partial<StoreConfig> = {}, opts: EngineOptions = {}) {
    const c = normalizeConfig(config);
    super(new MessageIndex(c.firstSeq - 1), c, opts);
  }

  protected persistMsg(
    seq: number,
    _subject: string,
    _subjectLength: number,
    headers: Uint8Array | null,
    payload: Uint8Array,
    _ts: number,
    ttl: number,
  ): void {
    const body: MemBody = {
      headers: headers === null ? null : headers.slice(),
      payload: payload.slice(),
      ttl,
    };
    this.index.setAux(seq, body);
  }

  protected persistRemoval(): void {}

  protected persistClear(): void {}

  protected durable(): Promise<void> {
    return DONE;
  }

  protected readMsg(seq: number): Promise<StoredMessage | null> {
    return Promise.resolve(this.peekMsg(seq));
  }

  protected peekMsg(seq: number): StoredMessage | null {
    const body = this.index.aux(seq) as MemBody | undefined;
    const subject = this.index.subjectOf(seq);
    if (body === undefined || subject === null) return null;
    return {
      subject,
      seq,
      ts: this.index.tsOf(seq),
      headers: body.headers,
      payload: body.payload,
      ttl: body.ttl,
    };
  }

  protected openConsumerStore(name: string, config: ConsumerStoreConfig): Promise<ConsumerStore> {
    let c = this.#consumers.get(name);
    if (c === undefined) {
      c = new ConsumerStateStore(name, config, this.#sink);
      this.#consumers.set(name, c);
    } else {
      c.updateConfig(config);
    }
    return Promise.resolve(c);
  }

  consumers(): ConsumerEntry[] {
    return [...this.#consumers.values()].map((c) => ({ name: c.name, meta: c.meta() }));
  }

  protected lostData(): LostData | null {
    return null;
  }

  protected assertUsable(): void {}

  protected closeBackend(): Promise<void> {
    return DONE;
  }

  protected deleteBackend(): Promise<void> {
    this.index.clear();
    this.#consumers.clear();
    return DONE;
  }
}
