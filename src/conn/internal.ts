/**
 * In-process clients: the system account's event publisher and request handlers, and later
 * JetStream's API and consumers. They own subscriptions like any connection, but deliveries
 * are handed to a callback as copied bytes instead of being written to a socket.
 */
import type { Account } from "../accounts/account.ts";
import type { MsgArgs } from "../protocol/ops.ts";
import { type Subscriber, Subscription } from "../pubsub/subscription.ts";
import { decodeAscii } from "../util/bytes.ts";

export interface InboundMsg {
  readonly subject: string;
  /** "" when the message has no reply subject. */
  readonly reply: string;
  /** The NATS/1.0 header block, or null. */
  readonly headers: Uint8Array | null;
  readonly data: Uint8Array;
}

export type InboundHandler = (msg: InboundMsg, sub: Subscription) => void;

export class InternalClient implements Subscriber {
  readonly cid: number;
  readonly name: string;
  readonly account: Account;
  /** Internal clients see their own publishes, as nats-server's do. */
  readonly echo = true;
  closed = false;
  #handlers = new Map<Subscription, InboundHandler>();
  #nextSid = 1;

  constructor(cid: number, name: string, account: Account) {
    this.cid = cid;
    this.name = name;
    this.account = account;
  }

  subscribe(subject: string, handler: InboundHandler, queue: string | null = null): Subscription {
    const sub = new Subscription(this, subject, queue, String(this.#nextSid++));
    this.#handlers.set(sub, handler);
    this.account.addSubscription(sub);
    return sub;
  }

  unsubscribe(sub: Subscription): void {
    if (this.#handlers.delete(sub)) this.account.removeSubscription(sub);
  }

  deliver(sub: Subscription, args: MsgArgs, _origin: Subscriber | null): void {
    const handler = this.#handlers.get(sub);
    if (handler === undefined || this.closed) return;
    const body = args.payloadBuf.slice(args.payloadStart, args.payloadStart + args.size);
    const hdr = args.headerSize > 0 ? args.headerSize : 0;
    sub.delivered++;
    handler({
      subject: decodeAscii(args.buf, args.subjectStart, args.subjectEnd),
      reply: decodeAscii(args.buf, args.replyStart, args.replyEnd),
      headers: hdr > 0 ? body.subarray(0, hdr) : null,
      data: hdr > 0 ? body.subarray(hdr) : body,
    }, sub);
    if (sub.delivered === sub.max) this.unsubscribe(sub);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.account.removeSubscriptions(this.#handlers.keys());
    this.#handlers.clear();
  }
}
