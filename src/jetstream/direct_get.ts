/**
 * Direct get (`allow_direct`): `$JS.API.DIRECT.GET.<stream>` with a JSON body (`seq`,
 * `last_by_subj` or `next_by_subj`), or `$JS.API.DIRECT.GET.<stream>.<subject>` with an empty
 * body for the last message on a subject. The answer is the message itself with `Nats-Stream`,
 * `Nats-Subject`, `Nats-Sequence` and `Nats-Time-Stamp` headers, or a status message. KV gets
 * use this path.
 */
import type { InboundMsg } from "../conn/internal.ts";
import type { Subscription } from "../pubsub/subscription.ts";
import { buildHeaders, parseHeaders } from "../protocol/headers.ts";
import { decodeUtf8 } from "../util/bytes.ts";
import { rfc3339Nano } from "../util/time.ts";
import type { StoredMessage } from "./store/mod.ts";
import type { Stream } from "./stream.ts";

const NOT_FOUND = buildHeaders([], 404, "Message Not Found");
const BAD_REQUEST = buildHeaders([], 408, "Bad Request");
const EMPTY_REQUEST = buildHeaders([], 408, "Empty Request");
const EMPTY = new Uint8Array(0);

interface DirectRequest {
  seq?: number;
  last_by_subj?: string;
  next_by_subj?: string;
}

export class DirectGet {
  #stream: Stream;
  #subs: Subscription[];
  #prefix: string;

  constructor(stream: Stream) {
    this.#stream = stream;
    this.#prefix = `$JS.API.DIRECT.GET.${stream.name}`;
    const m = stream.messaging;
    this.#subs = [
      m.subscribe(this.#prefix, this.#onRequest),
      m.subscribe(`${this.#prefix}.>`, this.#onRequest),
    ];
  }

  stop(): void {
    for (const sub of this.#subs) this.#stream.messaging.unsubscribe(sub);
    this.#subs = [];
  }

  #onRequest = (msg: InboundMsg): void => {
    if (msg.reply === "") return;
    const m = this.#stream.messaging;
    const request = this.#parse(msg);
    if (request === null) {
      m.publish(msg.reply, null, msg.data.length === 0 ? EMPTY_REQUEST : BAD_REQUEST, EMPTY);
      return;
    }
    this.#load(request).then(
      (found) => {
        if (found === null) m.publish(msg.reply, null, NOT_FOUND, EMPTY);
        else m.publish(msg.reply, null, this.#headersFor(found), found.payload);
      },
      () => m.publish(msg.reply, null, NOT_FOUND, EMPTY),
    );
  };

  #parse(msg: InboundMsg): DirectRequest | null {
    if (msg.subject.length > this.#prefix.length) {
      // The subject form: the rest of the request subject names the message subject.
      if (msg.data.length > 0) return null;
      return { last_by_subj: msg.subject.slice(this.#prefix.length + 1) };
    }
    if (msg.data.length === 0) return null;
    try {
      const r = JSON.parse(decodeUtf8(msg.data)) as DirectRequest;
      if (r === null || typeof r !== "object") return null;
      if (r.seq === undefined && !r.last_by_subj && !r.next_by_subj) return null;
      return r;
    } catch {
      return null;
    }
  }

  #load(r: DirectRequest): Promise<StoredMessage | null> {
    const store = this.#stream.store;
    if (r.last_by_subj) return store.loadLastMsg(r.last_by_subj);
    if (r.next_by_subj) return store.loadNextMsg(r.next_by_subj, Math.max(1, r.seq ?? 0));
    return store.loadMsg(Number(r.seq));
  }

  #headersFor(m: StoredMessage): Uint8Array {
    return buildHeaders([
      ...parseHeaders(m.headers).entries,
      ["Nats-Stream", this.#stream.name],
      ["Nats-Subject", m.subject],
      ["Nats-Sequence", String(m.seq)],
      ["Nats-Time-Stamp", rfc3339Nano(m.ts)],
    ]);
  }
}
