/**
 * JetStream in one account: its streams, its API subscription and the messaging its streams
 * and consumers use. Streams with file storage live under
 * `<store_dir>/jetstream/<account>/streams/<name>/`, their config in the store's meta file.
 */
import type { Account } from "../accounts/account.ts";
import { publishInAccount } from "../accounts/imports.ts";
import type { InternalClient } from "../conn/internal.ts";
import { msgArgsOf } from "../pubsub/msg_args.ts";
import type { FileSystem } from "../platform/types.ts";
import { decodeUtf8, encodeUtf8 } from "../util/bytes.ts";
import { nowNs, rfc3339Nano } from "../util/time.ts";
import { FileStore, MemStore, type StreamStore } from "./store/mod.ts";
import { Stream } from "./stream.ts";
import { restoreConsumers } from "./api_consumer.ts";
import { storeConfigOf } from "./stream_config.ts";
import type { JsMessaging, StreamConfig } from "./types.ts";
import type { JsAccountLimits } from "../accounts/account.ts";
import { type LimitsView, reservationOf, type Storage, storedSize } from "./js_limits.ts";

export interface JsAccountDeps {
  readonly fs: FileSystem;
  readonly storeDir: string;
  readonly serverName: string;
  readonly syncIntervalMs: number;
  readonly log: { info(t: string): void; warn(t: string): void; error(t: string): void };
  /** Server-wide max_memory_store / max_file_store (<= 0: not enforced). */
  readonly serverMaxMemory?: number;
  readonly serverMaxStore?: number;
  /** Bytes reserved by every account's streams, leaving out this account's `except`. */
  readonly serverReserved?: (storage: Storage, except: string | null) => number;
}

interface StreamMeta {
  config: StreamConfig;
  created: number;
}

export class JsAccount {
  readonly account: Account;
  readonly client: InternalClient;
  readonly messaging: JsMessaging;
  readonly streams = new Map<string, Stream>();
  #deps: JsAccountDeps;

  constructor(account: Account, client: InternalClient, deps: JsAccountDeps) {
    this.account = account;
    this.client = client;
    this.#deps = deps;
    this.messaging = messagingFor(client, account);
  }

  get limits(): JsAccountLimits {
    return this.account.jetstreamLimits;
  }

  /** The account's and server's limits, for checking a stream create or update. */
  limitsView(): LimitsView {
    const d = this.#deps;
    return {
      account: this.limits,
      serverMaxMemory: d.serverMaxMemory ?? -1,
      serverMaxStore: d.serverMaxStore ?? -1,
      accountReserved: (storage, except) => this.reserved(storage, except),
      serverReserved: (storage, except) =>
        d.serverReserved?.(storage, except) ?? this.reserved(storage, except),
      streamCount: () => this.streams.size,
    };
  }

  /** Bytes this account's streams of `storage` reserve (their max_bytes), but `except`. */
  reserved(storage: Storage, except: string | null): number {
    let total = 0;
    for (const s of this.streams.values()) {
      if (s.name === except || storageOf(s.config) !== storage) continue;
      total += reservationOf(s.config);
    }
    return total;
  }

  /** Refuses messages that would take the account past its memory or file limit. */
  #guard(stream: Stream): void {
    stream.admitLimit = (subject, headers, data) => {
      const storage = storageOf(stream.config);
      const max = storage === "memory" ? this.limits.maxMemory : this.limits.maxStore;
      if (max < 0) return true;
      const u = this.usage();
      const used = storage === "memory" ? u.memory : u.storage;
      return used + storedSize(storage, subject, headers, data) <= max;
    };
  }

  get #streamsDir(): string {
    return `${this.#deps.storeDir}/jetstream/${this.account.name}/streams`;
  }

  /** Opens every file stream saved under the store dir (after a restart or a crash). */
  async loadStreams(): Promise<void> {
    const fs = this.#deps.fs;
    if ((await fs.stat(this.#streamsDir)) === null) return;
    for (const name of await fs.readDir(this.#streamsDir)) {
      const dir = `${this.#streamsDir}/${name}`;
      try {
        const raw = await FileStore.readMeta(fs, dir);
        if (raw === null) continue;
        const meta = JSON.parse(decodeUtf8(raw)) as StreamMeta;
        const store = await FileStore.open(fs, dir, storeConfigOf(meta.config), {
          syncIntervalMs: this.#deps.syncIntervalMs,
        });
        const report = store.recovery;
        if (report.lost !== null) {
          this.#deps.log.warn(
            `Stream ${name}: recovered with ${report.lost.msgs.length} damaged messages ` +
              `(${report.lost.bytes} bytes) dropped: seqs ${
                report.lost.msgs.slice(0, 20).join(",")
              }`,
          );
        }
        const stream = new Stream(
          meta.config,
          store,
          this.messaging,
          meta.created,
          this.#deps.serverName,
        );
        this.#guard(stream);
        await stream.start();
        this.streams.set(meta.config.name, stream);
        await restoreConsumers(stream, { log: (t) => this.#deps.log.warn(t) });
        await stream.startSources((n) => this.streams.get(n));
        this.#deps.log.info(
          `Restored stream '${this.account.name} > ${name}': ${store.state().msgs} messages`,
        );
      } catch (err) {
        this.#deps.log.error(`Stream ${name} could not be restored: ${(err as Error).message}`);
      }
    }
  }

  async createStream(config: StreamConfig): Promise<Stream> {
    const created = nowNs();
    let store: StreamStore;
    if (config.storage === "memory") {
      store = new MemStore(storeConfigOf(config));
    } else {
      const dir = `${this.#streamsDir}/${config.name}`;
      const file = await FileStore.open(this.#deps.fs, dir, storeConfigOf(config), {
        syncIntervalMs: this.#deps.syncIntervalMs,
      });
      await file.writeMeta(encodeUtf8(JSON.stringify({ config, created } satisfies StreamMeta)));
      store = file;
    }
    const stream = new Stream(config, store, this.messaging, created, this.#deps.serverName);
    this.#guard(stream);
    await stream.start();
    this.streams.set(config.name, stream);
    await stream.startSources((n) => this.streams.get(n));
    return stream;
  }

  /** Saves an updated config with the stream (file storage). */
  async saveConfig(stream: Stream): Promise<void> {
    if (stream.store instanceof FileStore) {
      const meta: StreamMeta = { config: stream.config, created: stream.created };
      await stream.store.writeMeta(encodeUtf8(JSON.stringify(meta)));
    }
  }

  async deleteStream(stream: Stream): Promise<void> {
    this.streams.delete(stream.name);
    await stream.delete();
  }

  usage(): { memory: number; storage: number; consumers: number } {
    let memory = 0;
    let storage = 0;
    let consumers = 0;
    for (const s of this.streams.values()) {
      const bytes = s.store.state().bytes;
      if (s.config.storage === "memory") memory += bytes;
      else storage += bytes;
      consumers += s.consumers.size;
    }
    return { memory, storage, consumers };
  }

  async stop(): Promise<void> {
    for (const stream of this.streams.values()) await stream.stop();
    this.streams.clear();
    this.client.close();
  }
}

function storageOf(config: StreamConfig): Storage {
  return config.storage === "memory" ? "memory" : "file";
}

/** Publishing and subscribing in `account` through its JetStream internal client. */
function messagingFor(client: InternalClient, account: Account): JsMessaging {
  const publish = (
    subject: string,
    reply: string | null,
    headers: Uint8Array | null,
    data: Uint8Array,
  ) => {
    publishInAccount(account, msgArgsOf(subject, reply, headers, data), subject, client);
  };
  return {
    publish,
    deliver(to, subject, reply, headers, data) {
      publishInAccount(account, msgArgsOf(subject, reply || null, headers, data), to, client);
    },
    subscribe: (subject, handler, queue = null) => client.subscribe(subject, handler, queue),
    unsubscribe: (sub) => client.unsubscribe(sub),
    hasInterest: (subject) => account.sublist.hasInterest(subject),
    advisory(subject, body) {
      const event = {
        ...body,
        id: crypto.randomUUID().replaceAll("-", ""),
        timestamp: rfc3339Nano(nowNs()),
      };
      publish(subject, null, null, encodeUtf8(JSON.stringify(event)));
    },
  };
}
