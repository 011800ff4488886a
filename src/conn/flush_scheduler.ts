/**
 * Writes each touched connection's outbound buffer once per turn of the event loop: the first
 * connection marked in a turn queues one microtask, which runs once the current read (or
 * timer) has been handled and flushes every connection marked by then. Every kind of
 * connection (clients, leaf links) shares the server's one scheduler.
 */

/** A connection whose buffered output the scheduler writes. */
export interface Flushable {
  /** Set while the connection waits in the scheduler's list. */
  dirty: boolean;
  readonly closed: boolean;
  /** Checks the write deadline, then writes what is queued. */
  flush(now: number): void;
}

export class FlushScheduler {
  #dirty: Flushable[] = [];
  #queued = false;

  mark(c: Flushable): void {
    if (c.dirty) return;
    c.dirty = true;
    this.#dirty.push(c);
    if (!this.#queued) {
      this.#queued = true;
      queueMicrotask(this.#run);
    }
  }

  #run = (): void => {
    this.#queued = false;
    const list = this.#dirty;
    this.#dirty = [];
    const now = Date.now();
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      c.dirty = false;
      if (!c.closed) c.flush(now);
    }
  };
}
