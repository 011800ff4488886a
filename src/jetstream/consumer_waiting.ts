/**
 * Pull requests (ADR-13): decoding a `$JS.API.CONSUMER.MSG.NEXT` body and the queue of waiting
 * requests a pull consumer serves. The queue is FIFO with nats-server's fairness: a request that
 * got a message and still wants more moves to the back, so concurrent fetchers share a stream.
 * Times are milliseconds on the consumer's clock.
 */
import { decodeUtf8 } from "../util/bytes.ts";

export interface PullRequest {
  batch: number;
  /** ns; 0 means the request does not expire. */
  expires: number;
  maxBytes: number;
  noWait: boolean;
  /** ns between idle heartbeats; 0 for none. */
  heartbeat: number;
}

function intField(obj: Record<string, unknown>, key: string, goType: string): number {
  const v = obj[key];
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(
      `json: cannot unmarshal ${typeof v} into Go struct field ` +
        `JSApiConsumerGetNextRequest.${key} of type ${goType}`,
    );
  }
  return v;
}

/**
 * Decodes a pull request body: empty means one message, a bare integer is a batch size, `{…}` is
 * JSON. Returns the error text for a `400 Bad Request - <text>` answer when it is invalid.
 */
export function parsePullRequest(data: Uint8Array): PullRequest | string {
  const text = decodeUtf8(data).trim();
  const one: PullRequest = { batch: 1, expires: 0, maxBytes: 0, noWait: false, heartbeat: 0 };
  if (text === "") return one;
  if (text[0] !== "{") {
    return /^[+-]?\d+$/.test(text) ? { ...one, batch: Number(text) } : one;
  }
  try {
    const obj = JSON.parse(text) as Record<string, unknown>;
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      return "json: cannot unmarshal into Go value of type server.JSApiConsumerGetNextRequest";
    }
    const noWait = obj.no_wait;
    if (noWait !== undefined && noWait !== null && typeof noWait !== "boolean") {
      return `json: cannot unmarshal ${typeof noWait} into Go struct field ` +
        "JSApiConsumerGetNextRequest.no_wait of type bool";
    }
    const req: PullRequest = {
      batch: intField(obj, "batch", "int"),
      expires: intField(obj, "expires", "time.Duration"),
      maxBytes: intField(obj, "max_bytes", "int"),
      noWait: noWait === true,
      heartbeat: intField(obj, "idle_heartbeat", "time.Duration"),
    };
    if (req.heartbeat > 0 && req.heartbeat * 2 > req.expires) return "heartbeat value too large";
    return req;
  } catch (err) {
    return (err as Error).message;
  }
}

export interface WaitingRequest {
  readonly reply: string;
  /** Messages still wanted. */
  n: number;
  /** Messages delivered so far. */
  d: number;
  /** Bytes still allowed; 0 means no byte limit. */
  b: number;
  /** Deadline (ms); 0 when the request does not expire. */
  readonly expires: number;
  readonly received: number;
  /** Heartbeat interval (ms) and the next heartbeat's time; 0 for none. */
  readonly hb: number;
  hbt: number;
  readonly noWait: boolean;
}

export class WaitQueue {
  readonly max: number;
  /** Last time a request arrived or a message went out (inactivity tracking). */
  last: number;
  #items: WaitingRequest[] = [];

  constructor(max: number, now: number) {
    this.max = max;
    this.last = now;
  }

  get length(): number {
    return this.#items.length;
  }

  isFull(): boolean {
    return this.#items.length >= this.max;
  }

  add(wr: WaitingRequest): boolean {
    if (this.isFull()) return false;
    this.#items.push(wr);
    this.last = wr.received;
    return true;
  }

  peek(): WaitingRequest | undefined {
    return this.#items[0];
  }

  /** Takes one message's worth from the head request; it moves to the back if it wants more. */
  pop(): WaitingRequest {
    const wr = this.#items.shift()!;
    wr.d++;
    wr.n--;
    if (wr.n > 0) this.#items.push(wr);
    return wr;
  }

  remove(wr: WaitingRequest): void {
    const i = this.#items.indexOf(wr);
    if (i >= 0) this.#items.splice(i, 1);
  }

  /** Gives back a message a request was charged for but did not get. */
  credit(wr: WaitingRequest): void {
    wr.n++;
    wr.d--;
    if (!this.#items.includes(wr)) this.#items.unshift(wr);
  }

  /** A snapshot, so callers may remove entries while walking it. */
  list(): WaitingRequest[] {
    return [...this.#items];
  }

  /** Empties the queue, returning what was in it. */
  drain(): WaitingRequest[] {
    const all = this.#items;
    this.#items = [];
    return all;
  }
}
