/**
 * Time for consumers: a clock they are given (so tests drive redelivery, expiry and heartbeats
 * without sleeping) and the one timer each consumer keeps. Every deadline a consumer has (ack
 * wait, pull request expiry and heartbeats, idle heartbeats, inactivity, replay pacing) asks the
 * timer to fire no later than it; when it fires the consumer handles what is due and re-arms
 * for the earliest deadline left. A timer that fires early does no harm.
 */

export interface ConsumerClock {
  /** Wall-clock milliseconds. */
  now(): number;
  /** Returns a handle for `clearTimer`. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const SYSTEM_CLOCK: ConsumerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class DeadlineTimer {
  #clock: ConsumerClock;
  #fire: () => void;
  #id: unknown = null;
  #at = 0;

  constructor(clock: ConsumerClock, fire: () => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  /** The deadline the timer is armed for; 0 when idle. */
  get armedAt(): number {
    return this.#id === null ? 0 : this.#at;
  }

  /** Makes the timer fire at `at` (ms) or earlier; 0 is ignored. */
  atOrBefore(at: number): void {
    if (at <= 0 || (this.#id !== null && this.#at <= at)) return;
    this.clear();
    this.#at = at;
    this.#id = this.#clock.setTimer(() => {
      this.#id = null;
      this.#at = 0;
      this.#fire();
    }, Math.max(0, at - this.#clock.now()));
  }

  clear(): void {
    if (this.#id !== null) this.#clock.clearTimer(this.#id);
    this.#id = null;
    this.#at = 0;
  }
}
