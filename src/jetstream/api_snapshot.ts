/**
 * Stream backup and restore: `$JS.API.STREAM.SNAPSHOT.<stream>` and
 * `$JS.API.STREAM.RESTORE.<stream>`, with nats-server 2.9's wire flow (jetstream_api.go
 * jsStreamSnapshotRequest / streamSnapshot / jsStreamRestoreRequest / processStreamRestore):
 *
 * Snapshot: `{deliver_subject, no_consumers?, chunk_size?, jsck?}` is answered with
 * `{config, state}`; then the snapshot goes to `deliver_subject` in chunks whose reply subject
 * is `$JS.SNAPSHOT.ACK.<stream>.<id>.<chunk bytes>.<chunk index>` (a client acks by replying;
 * past a 32 MB window unacknowledged the sender waits up to 10 ms per chunk for one), and
 * ends with an empty message without a reply.
 *
 * Restore: `{config, state}` is answered with `{deliver_subject}`
 * (`$JS.SNAPSHOT.RESTORE.<stream>.<id>`); each chunk sent there must carry a reply subject and
 * is acknowledged with an empty message; an empty chunk ends the upload, and its reply gets
 * the outcome as a `stream_create_response` (`{config, created, state}` or the error). An
 * upload idle for 5 s is abandoned.
 *
 * The chunks carry Skiff's own format (snapshot_format.ts), so they restore into Skiff only.
 */
import type { InboundMsg } from "../conn/internal.ts";
import type { Subscription } from "../pubsub/subscription.ts";
import { isValidSubject } from "../subject/subject.ts";
import { decodeUtf8, encodeUtf8 } from "../util/bytes.ts";
import type { ApiRouter } from "./api.ts";
import { restoreConsumers } from "./api_consumer.ts";
import {
  ApiError,
  apiError,
  JSBadRequestErr,
  JSSnapshotDeliverSubjectInvalidErr,
  JSStreamNameExistRestoreFailedErr,
  JSStreamNotFoundErr,
  JSStreamRestoreErrF,
} from "./api_errors.ts";
import { checkOverlap } from "./api_stream.ts";
import { decodeConsumerConfig } from "./consumer_config_json.ts";
import type { JsAccount } from "./js_account.ts";
import { checkStreamLimits } from "./js_limits.ts";
import {
  decodeSnapshot,
  encodeConsumer,
  encodeHeader,
  encodeMsg,
  encodeTrailer,
  type Snapshot,
} from "./snapshot_format.ts";
import type { Stream } from "./stream.ts";
import { validateStreamConfig, withDefaults } from "./stream_config.ts";
import type { StreamConfig } from "./types.ts";

const DEFAULT_CHUNK_SIZE = 256 * 1024;
const MIN_CHUNK_SIZE = 128;
const MAX_CHUNK_SIZE = 8 * 1024 * 1024;
const WINDOW_SIZE = 32 * 1024 * 1024;
const INTEREST_WAIT_MS = 2000;
const RESTORE_IDLE_MS = 5000;
const ADVISORY = "$JS.EVENT.ADVISORY.STREAM.";
const ADVISORY_TYPE = "io.nats.jetstream.advisory.v1.";
const CREATE_RESPONSE = "io.nats.jetstream.api.v1.stream_create_response";
const GAP_SUBJECT = "_skiff.restore.gap";

interface SnapshotRequest {
  deliver_subject?: unknown;
  no_consumers?: unknown;
  chunk_size?: unknown;
  jsck?: unknown;
}

interface RestoreRequest {
  config?: Partial<StreamConfig>;
  state?: unknown;
}

export function registerSnapshotApi(router: ApiRouter, js: JsAccount): void {
  router.register("STREAM.SNAPSHOT.*", "stream_snapshot", (req) => {
    // nats-server refuses an empty request (no body or `{}`) before looking the stream up.
    if (isEmptyRequest(req.data)) throw apiError(JSBadRequestErr);
    const s = js.streams.get(req.tokens[2]);
    if (s === undefined) throw apiError(JSStreamNotFoundErr);
    const body = req.json<SnapshotRequest>() ?? {};
    const deliver = body.deliver_subject;
    if (typeof deliver !== "string" || !isValidSubject(deliver)) {
      throw apiError(JSSnapshotDeliverSubjectInvalidErr);
    }
    const chunk = typeof body.chunk_size === "number" && body.chunk_size > 0
      ? Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, Math.floor(body.chunk_size)))
      : DEFAULT_CHUNK_SIZE;
    const info = s.info();
    // The chunks follow the response, as in nats-server.
    setTimeout(() => {
      void sendSnapshot(js, s, deliver, chunk, body.no_consumers !== true).catch((err) =>
        js.messaging.advisory(`${ADVISORY}SNAPSHOT_COMPLETE.${s.name}`, {
          type: `${ADVISORY_TYPE}snapshot_complete`,
          stream: s.name,
          error: String(err instanceof Error ? err.message : err),
        })
      );
    }, 0);
    return { config: info.config, state: info.state };
  });

  router.register("STREAM.RESTORE.*", "stream_restore", (req) => {
    if (isEmptyRequest(req.data)) throw apiError(JSBadRequestErr);
    const body = req.json<RestoreRequest>() ?? {};
    const name = typeof body.config?.name === "string" && body.config.name !== ""
      ? body.config.name
      : req.tokens[2];
    if (js.streams.has(name)) throw apiError(JSStreamNameExistRestoreFailedErr);
    const deliver = `$JS.SNAPSHOT.RESTORE.${name}.${newId()}`;
    new RestoreUpload(js, name, deliver).start();
    return { deliver_subject: deliver };
  });
}

/** nats-server's isEmptyRequest: no body, or a JSON object without fields. */
function isEmptyRequest(data: Uint8Array): boolean {
  const text = decodeUtf8(data).trim();
  if (text === "") return true;
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
  } catch {
    return false; // the handler answers invalid JSON
  }
}

function newId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 22);
}

// ---- snapshot ----

async function sendSnapshot(
  js: JsAccount,
  s: Stream,
  deliver: string,
  chunkSize: number,
  withConsumers: boolean,
): Promise<void> {
  const m = js.messaging;
  const start = Date.now();
  m.advisory(`${ADVISORY}SNAPSHOT_CREATE.${s.name}`, {
    type: `${ADVISORY_TYPE}snapshot_create`,
    stream: s.name,
  });
  // Allow a moment for the receiver's subscription to show up.
  for (let waited = 0; !m.hasInterest(deliver) && waited < INTEREST_WAIT_MS; waited += 20) {
    await sleep(20);
  }

  const ackBase = `$JS.SNAPSHOT.ACK.${s.name}.${newId()}`;
  let outstanding = 0;
  let wake: (() => void) | null = null;
  const ackSub: Subscription = m.subscribe(`${ackBase}.>`, (msg: InboundMsg) => {
    const size = Number(msg.subject.split(".")[5]);
    if (Number.isFinite(size)) outstanding -= size;
    if (outstanding < WINDOW_SIZE) wake?.();
  });

  let index = 0;
  let buffer: Uint8Array[] = [];
  let buffered = 0;
  let lostInterest = false;
  const send = async (chunk: Uint8Array): Promise<void> => {
    if (outstanding > WINDOW_SIZE) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (!m.hasInterest(deliver)) lostInterest = true;
    }
    if (lostInterest) return;
    index++;
    m.publish(deliver, `${ackBase}.${chunk.length}.${index}`, null, chunk);
    outstanding += chunk.length;
  };
  const write = async (bytes: Uint8Array): Promise<void> => {
    buffer.push(bytes);
    buffered += bytes.length;
    while (buffered >= chunkSize && !lostInterest) {
      const all = concat(buffer, buffered);
      await send(all.subarray(0, chunkSize));
      const rest = all.subarray(chunkSize);
      buffer = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
    }
  };

  try {
    const st = s.store.state();
    await write(encodeHeader({
      config: s.config,
      created: s.created,
      firstSeq: st.firstSeq,
      lastSeq: st.lastSeq,
    }));
    let consumers = 0;
    if (withConsumers) {
      for (const entry of s.store.consumers()) {
        if (entry.meta === null || !s.consumers.has(entry.name)) continue;
        const meta = JSON.parse(decodeUtf8(entry.meta)) as { config: unknown };
        const cfg = decodeConsumerConfig(meta.config);
        const cs = await s.store.consumerStore(entry.name, {
          ackPolicy: cfg.ack_policy,
          maxDeliver: cfg.max_deliver,
        });
        await write(encodeConsumer({ name: entry.name, meta: entry.meta, state: cs.state() }));
        consumers++;
      }
    }
    let msgs = 0;
    for (let seq = st.firstSeq; seq <= st.lastSeq && !lostInterest;) {
      const msg = await s.store.loadNextMsg("", seq);
      if (msg === null || msg.seq > st.lastSeq) break;
      await write(encodeMsg(msg));
      msgs++;
      seq = msg.seq + 1;
    }
    await write(encodeTrailer(msgs, consumers));
    if (buffered > 0 && !lostInterest) await send(concat(buffer, buffered));
  } finally {
    m.unsubscribe(ackSub);
    // The end of the snapshot: an empty message without a reply.
    m.publish(deliver, null, null, new Uint8Array(0));
  }
  m.advisory(`${ADVISORY}SNAPSHOT_COMPLETE.${s.name}`, {
    type: `${ADVISORY_TYPE}snapshot_complete`,
    stream: s.name,
    start: new Date(start).toISOString(),
    end: new Date().toISOString(),
  });
}

// ---- restore ----

class RestoreUpload {
  readonly #js: JsAccount;
  readonly #name: string;
  readonly #deliver: string;
  #sub: Subscription | null = null;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #done = false;

  constructor(js: JsAccount, name: string, deliver: string) {
    this.#js = js;
    this.#name = name;
    this.#deliver = deliver;
  }

  start(): void {
    this.#sub = this.#js.messaging.subscribe(this.#deliver, (msg) => this.#onChunk(msg));
    this.#js.messaging.advisory(`${ADVISORY}RESTORE_CREATE.${this.#name}`, {
      type: `${ADVISORY_TYPE}restore_create`,
      stream: this.#name,
    });
    this.#touch();
  }

  #touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#stop(), RESTORE_IDLE_MS);
  }

  #stop(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#idle);
    if (this.#sub !== null) this.#js.messaging.unsubscribe(this.#sub);
    this.#chunks = [];
  }

  #onChunk(msg: InboundMsg): void {
    if (this.#done) return;
    // Every chunk needs a reply subject, for acks and the final answer.
    if (msg.reply === "") return this.#stop();
    if (msg.data.length > 0) {
      this.#chunks.push(msg.data.slice());
      this.#size += msg.data.length;
      this.#touch();
      this.#js.messaging.publish(msg.reply, null, null, new Uint8Array(0));
      return;
    }
    const data = concat(this.#chunks, this.#size);
    const bytes = this.#size;
    this.#stop();
    void this.#finish(data, bytes, msg.reply);
  }

  async #finish(data: Uint8Array, bytes: number, reply: string): Promise<void> {
    const js = this.#js;
    let body: Record<string, unknown>;
    try {
      const s = await restoreStream(js, this.#name, decodeSnapshot(data));
      const info = s.info();
      body = { config: info.config, created: info.created, state: info.state };
    } catch (err) {
      const e = err instanceof ApiError
        ? err
        : apiError(JSStreamRestoreErrF, { err: err instanceof Error ? err.message : String(err) });
      body = { error: e.toJSON() };
    }
    js.messaging.advisory(`${ADVISORY}RESTORE_COMPLETE.${this.#name}`, {
      type: `${ADVISORY_TYPE}restore_complete`,
      stream: this.#name,
      bytes,
    });
    js.messaging.publish(
      reply,
      null,
      null,
      encodeUtf8(JSON.stringify({ type: CREATE_RESPONSE, ...body })),
    );
  }
}

/**
 * Creates stream `name` from a decoded snapshot: same sequences (gaps recreated), timestamps,
 * headers and TTLs, then the consumers with their saved state. The stream is built without
 * subjects and limits, so nothing is published into it or evicted meanwhile, and gets its
 * real config once complete.
 */
async function restoreStream(js: JsAccount, name: string, snap: Snapshot): Promise<Stream> {
  const config = withDefaults({ ...snap.header.config, name });
  validateStreamConfig(config);
  if (js.streams.has(name)) throw apiError(JSStreamNameExistRestoreFailedErr);
  checkStreamLimits(js.limitsView(), config, null);
  checkOverlap(js, config, null);
  const staging: StreamConfig = {
    ...config,
    subjects: [],
    max_msgs: -1,
    max_bytes: -1,
    max_age: 0,
    max_msgs_per_subject: -1,
    max_msg_size: -1,
    discard: "old",
    first_seq: undefined,
    mirror: undefined,
    sources: undefined,
    allow_direct: false,
    republish: undefined,
  };
  const s = await js.createStream(staging);
  try {
    const store = s.store;
    const skipTo = async (seq: number): Promise<void> => {
      const next = store.state().lastSeq + 1;
      if (seq <= next) return;
      if (store.state().msgs === 0) {
        await store.compact(seq);
        return;
      }
      for (let q = next; q < seq; q++) {
        const r = await store.storeMsg(GAP_SUBJECT, null, new Uint8Array(0));
        await store.removeMsg(r.seq);
      }
    };
    for (const m of snap.msgs) {
      await skipTo(m.seq);
      const r = await store.storeMsg(m.subject, m.headers, m.data, {
        ts: m.ts,
        ttl: m.ttl !== 0 ? m.ttl : undefined,
      });
      if (r.seq !== m.seq) throw new Error(`message ${m.seq} restored as ${r.seq}`);
    }
    await skipTo(snap.header.lastSeq + 1);
    for (const c of snap.consumers) {
      const meta = JSON.parse(decodeUtf8(c.meta)) as { config: unknown };
      const cfg = decodeConsumerConfig(meta.config);
      const cs = await store.consumerStore(c.name, {
        ackPolicy: cfg.ack_policy,
        maxDeliver: cfg.max_deliver,
      });
      await cs.update(c.state);
      await cs.setMeta(c.meta); // last: a consumer without meta is an unfinished creation
    }
    await s.update(config);
    await js.saveConfig(s);
    await restoreConsumers(s, { accountMaxConsumers: js.limits.maxConsumers });
    if (config.mirror || (config.sources?.length ?? 0) > 0) {
      await s.startSources((n) => js.streams.get(n));
    }
    return s;
  } catch (err) {
    await js.deleteStream(s).catch(() => {});
    throw err;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
