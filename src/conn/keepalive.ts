/**
 * The server side of a connection's keepalive: a PING every `ping_interval`; once `ping_max`
 * PINGs are unanswered the peer is stale. It also measures the round-trip time, from a PING
 * (or INFO) to the answer. Client and leaf node connections share it.
 */

export interface KeepaliveOptions {
  readonly pingIntervalMs: number;
  readonly pingMax: number;
}

export class Keepalive {
  /** The last measured round trip, in milliseconds. */
  rtt = 0;
  /** Read live, so a reload's new interval applies from the next PING on. */
  #options: KeepaliveOptions;
  #sendPing: () => void;
  #stale: () => void;
  #outstanding = 0;
  #rttStart = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: KeepaliveOptions, sendPing: () => void, stale: () => void) {
    this.#options = options;
    this.#sendPing = sendPing;
    this.#stale = stale;
  }

  /** Arms the PING timer. */
  start(): void {
    const interval = this.#options.pingIntervalMs;
    if (interval <= 0 || this.#stopped) return;
    this.#timer = setTimeout(() => {
      if (this.#stopped) return;
      if (this.#outstanding + 1 > this.#options.pingMax) {
        this.#stale();
        return;
      }
      this.ping();
      this.start();
    }, interval);
  }

  /** Sends a PING now and counts it as outstanding. */
  ping(): void {
    this.#outstanding++;
    this.startRtt();
    this.#sendPing();
  }

  /** Starts a round-trip measurement (a PING, or the INFO a CONNECT will answer). */
  startRtt(): void {
    this.#rttStart = performance.now();
  }

  /** Ends a round-trip measurement, if one is running. */
  endRtt(): void {
    if (this.#rttStart > 0) {
      this.rtt = performance.now() - this.#rttStart;
      this.#rttStart = 0;
    }
  }

  /** The peer answered: nothing is outstanding any more. */
  pong(): void {
    this.#outstanding = 0;
    this.endRtt();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
