/**
 * Adding consumers to a stream (nats-server's addConsumerWithAction): defaults, validation,
 * create-or-update with the `action` rules, max_consumers, work-queue exclusivity, the starting
 * position each deliver policy picks, and recreating consumers from their saved state after a
 * restart. Creations on one stream run one at a time, so two requests for the same name cannot
 * both create it.
 */
import { decodeUtf8 } from "../util/bytes.ts";
import { parseRfc3339Ns } from "../util/time.ts";
import {
  apiError,
  JSConsumerAlreadyExists,
  JSConsumerDoesNotExist,
  JSConsumerStoreFailedErrF,
  JSConsumerWQConsumerNotDeliverAllErr,
  JSConsumerWQConsumerNotUniqueErr,
  JSConsumerWQMultipleUnfilteredErr,
  JSConsumerWQRequiresExplicitAckErr,
  JSMaximumConsumersLimitErr,
} from "./api_errors.ts";
import {
  type ConsumerConfig,
  decodeConsumerConfig,
  sameConsumerConfig,
} from "./consumer_config_json.ts";
import {
  applyConsumerDefaults,
  filtersOf,
  subjectsCollide,
  validateConsumerConfig,
} from "./consumer_config.ts";
import {
  Consumer,
  type ConsumerMeta,
  type ConsumerOptions,
  type StreamConsumerHost,
} from "./consumer.ts";
import { SYSTEM_CLOCK } from "./consumer_clock.ts";
import type { ConsumerStore } from "./store/mod.ts";

export type ConsumerAction = "" | "create" | "update";

const NS = 1_000_000;
const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A name a consumer can have (no '.', '*', '>', whitespace or path separators). */
const CONSUMER_NAME = /^[^.*>\s\\/]+$/;

const queues = new WeakMap<object, Promise<unknown>>();

/** Runs `fn` after every earlier creation on `host` has finished. */
function serialized<T>(host: object, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(host) ?? Promise.resolve()).then(fn, fn);
  queues.set(host, run.catch(() => {}));
  return run;
}

/** A live consumer of `host` by name (one being deleted does not count). */
export function lookupConsumer(host: StreamConsumerHost, name: string): Consumer | null {
  const c = host.consumers.get(name);
  return c instanceof Consumer && !c.closed ? c : null;
}

/** An ephemeral name: 8 random characters, like nats-server's hashed nuid. */
function ephemeralName(host: StreamConsumerHost): string {
  for (;;) {
    let name = "";
    for (let i = 0; i < 8; i++) name += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
    if (!host.consumers.has(name)) return name;
  }
}

/** Work queues: may a consumer with `filters` join those already there (besides `self`)? */
function partitionUnique(host: StreamConsumerHost, self: string, filters: string[]): boolean {
  for (const [name, other] of host.consumers) {
    if (name === self || !(other instanceof Consumer) || other.closed) continue;
    const theirs = filtersOf(other.config);
    if (theirs.length === 0) return false;
    for (const f of filters) for (const t of theirs) if (subjectsCollide(f, t)) return false;
  }
  return true;
}

interface Start {
  sseq: number;
  lss: number[] | null;
  resume: number;
}

/** nats-server's selectStartingSeqNo. */
async function startingPosition(host: StreamConsumerHost, c: ConsumerConfig): Promise<Start> {
  const store = host.store;
  const st = store.state();
  const filters = filtersOf(c);
  let sseq: number;
  let lss: number[] | null = null;
  if (c.opt_start_seq > 0) {
    sseq = c.opt_start_seq;
  } else {
    switch (c.deliver_policy) {
      case "all":
        sseq = st.firstSeq;
        break;
      case "last":
        if (filters.length === 0) {
          sseq = st.lastSeq;
        } else {
          sseq = 0;
          for (const f of filters) sseq = Math.max(sseq, (await store.loadLastMsg(f))?.seq ?? 0);
        }
        break;
      case "last_per_subject":
        if (host.config.max_msgs_per_subject === 1) {
          sseq = st.firstSeq;
        } else {
          const seqs = new Set<number>();
          for (const f of filters) for (const s of store.lastSeqsPerSubject(f)) seqs.add(s);
          lss = [...seqs].sort((a, b) => a - b);
          sseq = lss.length > 0 ? lss[0] : st.lastSeq;
        }
        break;
      case "by_start_time":
        sseq = store.seqFromTime(parseRfc3339Ns(c.opt_start_time));
        break;
      default: // new
        sseq = st.lastSeq + 1;
    }
  }
  if (c.opt_start_seq === 0 && sseq > st.lastSeq) sseq = st.lastSeq + 1;
  else if (sseq < st.firstSeq) sseq = st.firstSeq;
  return { sseq: Math.max(1, sseq), lss, resume: st.lastSeq };
}

/**
 * Creates the consumer `config` describes (after the API checked names and subjects), or
 * updates the existing one of that name as `action` allows. Throws ApiErrors.
 */
export function createConsumer(
  host: StreamConsumerHost,
  config: ConsumerConfig,
  action: ConsumerAction = "",
  opts: ConsumerOptions = {},
): Promise<Consumer> {
  return serialized(host, () => create(host, config, action, opts));
}

async function create(
  host: StreamConsumerHost,
  cfg: ConsumerConfig,
  action: ConsumerAction,
  opts: ConsumerOptions,
): Promise<Consumer> {
  const stream = host.config;
  applyConsumerDefaults(cfg, stream);
  validateConsumerConfig(cfg, stream);
  const wanted = cfg.durable_name !== "" ? cfg.durable_name : cfg.name;
  if (wanted !== "") {
    const previous = host.consumers.get(wanted);
    if (previous instanceof Consumer) await previous.whenDeleted();
    const existing = lookupConsumer(host, wanted);
    if (existing !== null) {
      const same = sameConsumerConfig(cfg, existing.config);
      if (action === "create" && !same) throw apiError(JSConsumerAlreadyExists);
      if (stream.retention === "workqueue" && !partitionUnique(host, wanted, filtersOf(cfg))) {
        throw apiError(JSConsumerWQConsumerNotUniqueErr);
      }
      if (!same) await existing.update(cfg);
      return existing;
    }
  }
  if (action === "update") throw apiError(JSConsumerDoesNotExist);
  // Like nats-server 2.9: the account's max_consumers caps each stream's own limit.
  let maxConsumers = stream.max_consumers;
  const accountMax = opts.accountMaxConsumers ?? -1;
  if (maxConsumers <= 0 || (accountMax > 0 && accountMax < maxConsumers)) maxConsumers = accountMax;
  if (maxConsumers > 0 && host.consumers.size >= maxConsumers) {
    throw apiError(JSMaximumConsumersLimitErr);
  }
  if (stream.retention === "workqueue") {
    if (cfg.ack_policy !== "explicit") throw apiError(JSConsumerWQRequiresExplicitAckErr);
    if (cfg.deliver_policy !== "all") throw apiError(JSConsumerWQConsumerNotDeliverAllErr);
    if (host.consumers.size > 0) {
      const filters = filtersOf(cfg);
      if (filters.length === 0) throw apiError(JSConsumerWQMultipleUnfilteredErr);
      if (!partitionUnique(host, wanted, filters)) throw apiError(JSConsumerWQConsumerNotUniqueErr);
    }
  }
  const name = wanted !== "" ? wanted : ephemeralName(host);
  // A legacy ephemeral gets its generated name stamped into its config, as in nats-server.
  if (wanted === "") cfg.name = name;
  let store: ConsumerStore;
  try {
    store = await host.store.consumerStore(name, {
      ackPolicy: cfg.ack_policy,
      maxDeliver: cfg.max_deliver,
    });
  } catch (err) {
    throw apiError(JSConsumerStoreFailedErrF, { err: (err as Error).message });
  }
  const created = (opts.clock ?? SYSTEM_CLOCK).now() * NS;
  const consumer = new Consumer(host, name, cfg, store, created, opts);
  const start = await startingPosition(host, cfg);
  await consumer.setStart(start.sseq, start.lss, start.resume);
  // The meta goes last: a consumer store without it is an unfinished creation (see restore).
  await store.setMeta(consumer.meta());
  host.consumers.set(name, consumer);
  consumer.start();
  consumer.announceCreated();
  return consumer;
}

/**
 * Recreates the consumers saved in the stream's store (at start-up, after the stream has
 * started). A saved state without metadata is a creation that never finished and is removed.
 */
export async function restoreConsumers(
  host: StreamConsumerHost,
  opts: ConsumerOptions = {},
): Promise<Consumer[]> {
  const log = opts.log ?? (() => {});
  const restored: Consumer[] = [];
  for (const entry of host.store.consumers()) {
    // Other state kept alongside (e.g. `$source.<name>` feed positions) has names no consumer
    // can have: leave it alone.
    if (!CONSUMER_NAME.test(entry.name) || host.consumers.has(entry.name)) continue;
    try {
      if (entry.meta === null) {
        const orphan = await host.store.consumerStore(entry.name, {
          ackPolicy: "none",
          maxDeliver: 0,
        });
        await orphan.delete();
        continue;
      }
      const meta = JSON.parse(decodeUtf8(entry.meta)) as ConsumerMeta;
      const cfg = decodeConsumerConfig(meta.config);
      const store = await host.store.consumerStore(entry.name, {
        ackPolicy: cfg.ack_policy,
        maxDeliver: cfg.max_deliver,
      });
      const consumer = new Consumer(host, entry.name, cfg, store, meta.created, opts);
      consumer.restoreState();
      host.consumers.set(entry.name, consumer);
      consumer.start(true);
      restored.push(consumer);
    } catch (err) {
      log(`JetStream consumer '${host.name} > ${entry.name}' could not be restored: ${err}`);
    }
  }
  return restored;
}
