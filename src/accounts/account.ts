/**
 * An account: an isolated subject space with its own subscription list. Every connection
 * belongs to one; without configured accounts, all use the global account `$G`.
 *
 * Subscriptions are added and removed through the account, not its sublist directly, so that
 * interest listeners (leaf nodes, routes) hear of a subject only when its first subscription
 * appears and its last one goes, once per subject and queue group, as LS+/LS- carry it.
 */
import { Sublist } from "../subject/sublist.ts";
import type { Subscription } from "../pubsub/subscription.ts";
import type { SubjectMapper } from "../subject/transform.ts";

export const GLOBAL_ACCOUNT = "$G";

/** An account's JetStream limits (`accounts { A { jetstream { ... } } }`); -1: unlimited. */
export interface JsAccountLimits {
  readonly maxMemory: number;
  readonly maxStore: number;
  readonly maxStreams: number;
  readonly maxConsumers: number;
  /** Streams must set max_bytes. */
  readonly maxBytesRequired: boolean;
  readonly memoryMaxStreamBytes: number;
  readonly storeMaxStreamBytes: number;
  readonly maxAckPending: number;
}

export const UNLIMITED_JS_LIMITS: JsAccountLimits = Object.freeze({
  maxMemory: -1,
  maxStore: -1,
  maxStreams: -1,
  maxConsumers: -1,
  maxBytesRequired: false,
  memoryMaxStreamBytes: -1,
  storeMaxStreamBytes: -1,
  maxAckPending: -1,
});

/** `added` true: first subscription on (subject, queue); false: the last one went away. */
export type InterestListener = (subject: string, queue: string | null, added: boolean) => void;

export class Account {
  readonly name: string;
  readonly sublist: Sublist<Subscription> = new Sublist<Subscription>();
  /** Subject mappings applied to what clients publish; null when there are none. */
  mapper: SubjectMapper | null = null;
  isSystem = false;
  /** JetStream is on for this account (when the server runs JetStream). */
  jetstream = false;
  /** Its JetStream limits (unlimited unless its config gives a block). */
  jetstreamLimits: JsAccountLimits = UNLIMITED_JS_LIMITS;
  #listeners = new Set<InterestListener>();
  /** Subscriptions per "subject queue" key, kept only while someone listens. */
  #interest = new Map<string, number>();

  constructor(name: string) {
    this.name = name;
  }

  addSubscription(sub: Subscription): void {
    this.sublist.insert(sub);
    if (this.#listeners.size > 0) this.#count(sub, 1);
  }

  removeSubscription(sub: Subscription): void {
    if (this.sublist.remove(sub) && this.#listeners.size > 0) this.#count(sub, -1);
  }

  /** Removes a closing connection's subscriptions in one batch. */
  removeSubscriptions(subs: Iterable<Subscription>): void {
    const list = [...subs];
    this.sublist.removeBatch(list);
    if (this.#listeners.size > 0) { for (const sub of list) this.#count(sub, -1); }
  }

  /**
   * Registers a listener and returns the interest that exists now (each subject/queue once),
   * so the new peer can be told about it; the returned function unregisters.
   */
  listenForInterest(listener: InterestListener): {
    current: { subject: string; queue: string | null }[];
    stop: () => void;
  } {
    if (this.#listeners.size === 0) {
      for (const sub of this.sublist.entries()) this.#count(sub, 1, false);
    }
    this.#listeners.add(listener);
    const current = [...this.#interest.keys()].map(splitKey);
    return {
      current,
      stop: () => {
        this.#listeners.delete(listener);
        if (this.#listeners.size === 0) this.#interest.clear();
      },
    };
  }

  #count(sub: Subscription, delta: 1 | -1, notify = true): void {
    const key = sub.queue ? `${sub.subject} ${sub.queue}` : sub.subject;
    const before = this.#interest.get(key) ?? 0;
    const after = before + delta;
    if (after <= 0) this.#interest.delete(key);
    else this.#interest.set(key, after);
    if (!notify) return;
    if (before === 0 && after > 0) this.#notify(sub.subject, sub.queue, true);
    else if (before > 0 && after <= 0) this.#notify(sub.subject, sub.queue, false);
  }

  #notify(subject: string, queue: string | null, added: boolean): void {
    for (const listener of this.#listeners) listener(subject, queue, added);
  }
}

function splitKey(key: string): { subject: string; queue: string | null } {
  const space = key.indexOf(" ");
  return space < 0
    ? { subject: key, queue: null }
    : { subject: key.slice(0, space), queue: key.slice(space + 1) };
}
