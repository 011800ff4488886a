/**
 * Imports between accounts, as subscribers that re-publish into another account.
 *
 * A stream import is a subscription in the exporting account that re-publishes matching
 * messages into the importer under the imported subject (prefixed or rewritten). A service
 * import is a subscription in the importing account that forwards requests to the exporter
 * with a fresh `_R_.<id>.<token>` reply subject; the exporter's responses to that subject are
 * sent back to the requester's original reply, only while a response is expected: once for
 * singleton services, until the response threshold for stream and chunked ones.
 */
import type { MsgArgs } from "../protocol/ops.ts";
import type { Subscriber } from "../pubsub/subscription.ts";
import { Subscription } from "../pubsub/subscription.ts";
import { deliverToMatches } from "../pubsub/deliver.ts";
import { withSubject } from "../pubsub/msg_args.ts";
import { SubjectTransform } from "../subject/transform.ts";
import { decodeAscii } from "../util/bytes.ts";
import type { Account } from "./account.ts";
import type { ResponseType, ServiceImport, StreamImport } from "./config.ts";

/** Imports may chain (A -> B -> C); this bounds a misconfigured cycle. */
const MAX_IMPORT_DEPTH = 8;
let depth = 0;

/** Delivers `args` (already carrying `subject`) to the subscribers of `account`. */
export function publishInAccount(
  account: Account,
  args: MsgArgs,
  subject: string,
  origin: Subscriber | null,
): number {
  if (depth >= MAX_IMPORT_DEPTH) return 0;
  depth++;
  try {
    return deliverToMatches(account.sublist.match(subject), args, origin);
  } finally {
    depth--;
  }
}

function replyOf(args: MsgArgs): string | null {
  return args.replyEnd > args.replyStart
    ? decodeAscii(args.buf, args.replyStart, args.replyEnd)
    : null;
}

/** `to` subjects name wildcards positionally: each `*` takes the next source wildcard. */
function transformTo(source: string, to: string): SubjectTransform | null {
  if (to === "" || to === source) return null;
  let n = 0;
  const dest = to.split(".").map((t) => (t === "*" ? `{{wildcard(${++n})}}` : t)).join(".");
  return new SubjectTransform(source, dest);
}

abstract class Bridge implements Subscriber {
  readonly cid = 0;
  readonly echo = true;
  closed = false;
  abstract deliver(sub: Subscription, args: MsgArgs, origin: Subscriber | null): void;
}

export class StreamImportBridge extends Bridge {
  readonly #importer: Account;
  readonly #prefix: string;
  readonly #transform: SubjectTransform | null;

  constructor(importer: Account, imp: StreamImport) {
    super();
    this.#importer = importer;
    this.#prefix = imp.prefix;
    this.#transform = transformTo(imp.subject, imp.to);
  }

  /** Subscribes in the exporting account. */
  attach(exporter: Account, imp: StreamImport): Subscription {
    const sub = new Subscription(this, imp.subject, null, `import:${this.#importer.name}`);
    exporter.addSubscription(sub);
    return sub;
  }

  deliver(_sub: Subscription, args: MsgArgs, origin: Subscriber | null): void {
    const subject = decodeAscii(args.buf, args.subjectStart, args.subjectEnd);
    const mapped = this.#transform
      ? this.#transform.apply(subject)
      : this.#prefix
      ? `${this.#prefix}.${subject}`
      : subject;
    publishInAccount(this.#importer, withSubject(args, mapped, replyOf(args)), mapped, origin);
  }
}

interface PendingResponse {
  readonly reply: string;
  readonly importer: Account;
  readonly type: ResponseType;
  readonly expiresAt: number;
}

/** Routes responses published in an exporting account back to importers' requesters. */
export class ResponseRouter extends Bridge {
  readonly prefix: string;
  #pending = new Map<string, PendingResponse>();
  #nextToken = 1;
  #lastSweep = Date.now();

  constructor(exporter: Account) {
    super();
    const id = crypto.getRandomValues(new Uint32Array(1))[0].toString(36);
    this.prefix = `_R_.${id}.`;
    exporter.addSubscription(new Subscription(this, `${this.prefix}>`, null, "responses"));
  }

  /** A fresh reply subject in the exporter for a request whose requester waits on `reply`. */
  expect(reply: string, importer: Account, type: ResponseType, thresholdMs: number): string {
    const now = Date.now();
    if (now - this.#lastSweep > 1000) this.#sweep(now);
    const token = (this.#nextToken++).toString(36);
    this.#pending.set(token, { reply, importer, type, expiresAt: now + thresholdMs });
    return this.prefix + token;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  deliver(_sub: Subscription, args: MsgArgs, origin: Subscriber | null): void {
    const subject = decodeAscii(args.buf, args.subjectStart, args.subjectEnd);
    const token = subject.slice(this.prefix.length);
    const pending = this.#pending.get(token);
    if (pending === undefined) return; // not expected (any more): responses are dropped
    if (pending.type === "singleton" || pending.expiresAt < Date.now()) {
      this.#pending.delete(token);
      if (pending.type !== "singleton") return;
    }
    publishInAccount(
      pending.importer,
      withSubject(args, pending.reply, null),
      pending.reply,
      origin,
    );
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [token, p] of this.#pending) if (p.expiresAt < now) this.#pending.delete(token);
  }
}

export class ServiceImportBridge extends Bridge {
  readonly #exporter: Account;
  readonly #router: ResponseRouter;
  readonly #importer: Account;
  readonly #type: ResponseType;
  readonly #thresholdMs: number;
  readonly #transform: SubjectTransform | null;

  constructor(
    importer: Account,
    exporter: Account,
    router: ResponseRouter,
    imp: ServiceImport,
    type: ResponseType,
    thresholdMs: number,
  ) {
    super();
    this.#importer = importer;
    this.#exporter = exporter;
    this.#router = router;
    this.#type = type;
    this.#thresholdMs = thresholdMs;
    // Requests arrive on `to` in the importer and leave on `subject` in the exporter.
    this.#transform = transformTo(imp.to, imp.subject);
  }

  /** Subscribes in the importing account on the subject its clients use. */
  attach(imp: ServiceImport): Subscription {
    const sub = new Subscription(this, imp.to, null, `service:${imp.account}`);
    this.#importer.addSubscription(sub);
    return sub;
  }

  deliver(_sub: Subscription, args: MsgArgs, origin: Subscriber | null): void {
    const subject = decodeAscii(args.buf, args.subjectStart, args.subjectEnd);
    const target = this.#transform ? this.#transform.apply(subject) : subject;
    const reply = replyOf(args);
    const routed = reply === null
      ? null
      : this.#router.expect(reply, this.#importer, this.#type, this.#thresholdMs);
    publishInAccount(this.#exporter, withSubject(args, target, routed), target, origin);
  }
}
