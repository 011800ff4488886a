/**
 * Group commit: every change enqueued while the writer is busy (or in the same event-loop turn)
 * goes out in one commit: for the FileStore one write and one fsync per touched file. Changes
 * go into the open batch (`batch()`); the first change of a batch schedules the writer on a
 * microtask; `durable()` is the promise of the open batch, else of the one in flight.
 *
 * The writer also runs maintenance tasks (segment drops, compactions) between batches, so they
 * never interleave with a commit. After a failed commit the committer is failed for good: every
 * pending and later promise rejects with the same error (after a failed fsync the kernel's view
 * of the file is unknown; the store must be reopened and recovered).
 */

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be awaiting this batch; its failure is reported through `failure` instead.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class GroupCommit<B> {
  #newBatch: () => B;
  #commit: (batch: B) => Promise<void>;
  #batch: B;
  #open: Deferred | null = null;
  #inFlight: Promise<void> | null = null;
  #tasks: { run: () => Promise<void>; done: Deferred }[] = [];
  #running = false;
  #idle: Deferred | null = null;
  #failure: unknown = null;

  constructor(newBatch: () => B, commit: (batch: B) => Promise<void>) {
    this.#newBatch = newBatch;
    this.#commit = commit;
    this.#batch = newBatch();
  }

  /** The error that failed the committer, or null. */
  get failure(): unknown {
    return this.#failure;
  }

  /** The open batch, to add a change to; schedules its commit. */
  batch(): B {
    if (this.#open === null) {
      this.#open = deferred();
      this.#kick();
    }
    return this.#batch;
  }

  /** True when the open batch already holds changes. */
  get hasOpenBatch(): boolean {
    return this.#open !== null;
  }

  /** Resolves once every change enqueued so far is committed. */
  durable(): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#open !== null) return this.#open.promise;
    if (this.#inFlight !== null) return this.#inFlight;
    return Promise.resolve();
  }

  /** Runs `run` on the writer, between batches; resolves when it has run. */
  task(run: () => Promise<void>): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const done = deferred();
    this.#tasks.push({ run, done });
    this.#kick();
    return done.promise;
  }

  /**
   * From inside a task: commits the open batch now (the task may have added to it). Must only
   * be called by code running on the writer.
   */
  async commitOpenBatch(): Promise<void> {
    if (this.#open !== null) await this.#commitOpen();
    if (this.#failure !== null) throw this.#failure;
  }

  /** Fails the committer for good (a maintenance step failed half way). */
  poison(err: unknown): void {
    this.#failure ??= err;
  }

  /** Resolves when the writer has nothing left to do. */
  idle(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    this.#idle ??= deferred();
    return this.#idle.promise;
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    queueMicrotask(() => void this.#loop());
  }

  async #loop(): Promise<void> {
    for (;;) {
      if (this.#open !== null) {
        await this.#commitOpen();
      } else if (this.#tasks.length > 0) {
        const t = this.#tasks.shift()!;
        if (this.#failure !== null) {
          t.done.reject(this.#failure);
          continue;
        }
        try {
          await t.run();
          t.done.resolve();
        } catch (err) {
          t.done.reject(err);
        }
      } else {
        break;
      }
    }
    this.#running = false;
    const idle = this.#idle;
    this.#idle = null;
    idle?.resolve();
  }

  async #commitOpen(): Promise<void> {
    const batch = this.#batch;
    const done = this.#open!;
    this.#batch = this.#newBatch();
    this.#open = null;
    if (this.#failure !== null) return done.reject(this.#failure);
    this.#inFlight = done.promise;
    try {
      await this.#commit(batch);
      done.resolve();
    } catch (err) {
      this.#failure = err;
      done.reject(err);
    } finally {
      if (this.#inFlight === done.promise) this.#inFlight = null;
    }
  }
}
