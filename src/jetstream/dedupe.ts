/**
 * The duplicate window: `Nats-Msg-Id`s seen within `duplicate_window`, so a retried publish is
 * acknowledged as a duplicate instead of stored twice. Rebuilt from the stored messages' headers
 * at start-up, so deduplication survives a restart (and a crash).
 */
import { getHeader } from "../protocol/headers.ts";
import { nowNs } from "../util/time.ts";
import type { StreamStore } from "./store/mod.ts";

interface Seen {
  readonly seq: number;
  readonly ts: number;
}

export class DuplicateWindow {
  /** Nanoseconds. */
  window: number;
  /** Insertion (so time) ordered: expiry only ever looks at the front. */
  #ids = new Map<string, Seen>();
  #now: () => number;

  constructor(window: number, now: () => number = nowNs) {
    this.window = window;
    this.#now = now;
  }

  get size(): number {
    return this.#ids.size;
  }

  /** The sequence stored under `id` within the window, or 0. */
  lookup(id: string): number {
    this.#expire();
    return this.#ids.get(id)?.seq ?? 0;
  }

  record(id: string, seq: number, ts = this.#now()): void {
    this.#ids.delete(id);
    this.#ids.set(id, { seq, ts });
  }

  #expire(): void {
    const oldest = this.#now() - this.window;
    for (const [id, seen] of this.#ids) {
      if (seen.ts >= oldest) break;
      this.#ids.delete(id);
    }
  }

  /** Re-reads the ids of messages stored within the window. */
  async rebuild(store: StreamStore): Promise<void> {
    this.#ids.clear();
    if (this.window <= 0 || store.state().msgs === 0) return;
    let seq = store.seqFromTime(this.#now() - this.window);
    for (;;) {
      const msg = await store.loadNextMsg("", seq);
      if (msg === null) return;
      const id = getHeader(msg.headers, "Nats-Msg-Id");
      if (id) this.record(id, msg.seq, msg.ts);
      seq = msg.seq + 1;
    }
  }
}
