/**
 * `allow_responses` for one connection: each message delivered to it with a reply subject
 * grants the right to publish to that reply subject, `max` times within `expiresMs`, even if
 * the publish permissions say no (nats-server `c.replies`, `pubAllowedFullCheck`,
 * `pruneReplyPerms`). Time is passed in, so the owner decides the clock and tests need none.
 */

import type { ResponsePermission } from "./permissions.ts";

/** nats-server's `replyPermLimit`: above this many permits, stale ones are pruned. */
export const REPLY_PERMIT_LIMIT = 4096;

interface Permit {
  /** When granted (ms, the owner's clock). */
  t: number;
  /** Replies sent so far. */
  n: number;
}

export class ReplyPermits {
  readonly limits: ResponsePermission;
  #permits = new Map<string, Permit>();
  /** Prune when the map grows past this; doubles while permits stay live (amortized O(1)). */
  #pruneAt = REPLY_PERMIT_LIMIT;

  constructor(limits: ResponsePermission) {
    this.limits = limits;
  }

  /** Live permits (for tests and stats). */
  get size(): number {
    return this.#permits.size;
  }

  /** A message with reply subject `reply` was delivered to this connection at `now`. */
  grant(reply: string, now: number): void {
    // A repeated reply subject starts over, as in nats-server.
    this.#permits.set(reply, { t: now, n: 0 });
    if (this.#permits.size > this.#pruneAt) {
      this.prune(now);
      this.#pruneAt = Math.max(REPLY_PERMIT_LIMIT, this.#permits.size * 2);
    }
  }

  /**
   * Publishing to `subject` was refused by the permissions: does a permit allow it? Uses one
   * reply of the permit; an exhausted or expired permit is dropped.
   */
  use(subject: string, now: number): boolean {
    const p = this.#permits.get(subject);
    if (p === undefined) return false;
    p.n++;
    const { max, expiresMs } = this.limits;
    if ((max > 0 && p.n > max) || (expiresMs > 0 && now - p.t > expiresMs)) {
      this.#permits.delete(subject);
      return false;
    }
    return true;
  }

  /** Drops used-up and expired permits. */
  prune(now: number): void {
    const { max, expiresMs } = this.limits;
    for (const [reply, p] of this.#permits) {
      if ((max > 0 && p.n >= max) || (expiresMs > 0 && now - p.t > expiresMs)) {
        this.#permits.delete(reply);
      }
    }
  }
}
