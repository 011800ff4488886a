/**
 * A subscription and the small interface its owner implements. Delivery talks to owners only
 * through `Subscriber`, so clients, and later routes, leaf nodes and internal JetStream
 * clients, can all own subscriptions.
 */
import type { MsgArgs } from "../protocol/ops.ts";
import type { SublistEntry } from "../subject/sublist.ts";
import { encodeUtf8 } from "../util/bytes.ts";

export interface Subscriber {
  readonly cid: number;
  /** False when the owner asked not to receive its own messages (CONNECT `echo:false`). */
  readonly echo: boolean;
  readonly closed: boolean;
  /** Queues one message for `sub`; must not await. `origin` published it (null: internal). */
  deliver(sub: Subscription, args: MsgArgs, origin: Subscriber | null): void;
}

export class Subscription implements SublistEntry {
  readonly subject: string;
  readonly queue: string | null;
  readonly sid: string;
  /**
   * The sid's UTF-8 bytes, kept only for a sid that is not pure ASCII: an ASCII sid is written
   * straight from the string, which spares every subscription a typed array (memory, and the
   * cache misses of following it on each delivery).
   */
  readonly sidBytes: Uint8Array | null;
  readonly owner: Subscriber;
  /** Messages delivered so far (UNSUB max counts these). */
  delivered = 0;
  /** Auto-unsubscribe after this many deliveries; 0 means no limit. */
  max = 0;

  constructor(owner: Subscriber, subject: string, queue: string | null, sid: string) {
    this.owner = owner;
    this.subject = subject;
    this.queue = queue;
    this.sid = sid;
    this.sidBytes = isAscii(sid) ? null : encodeUtf8(sid);
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
