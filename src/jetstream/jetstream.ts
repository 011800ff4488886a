/**
 * JetStream on this server: which accounts have it, their stores, and the API. With JetStream
 * off, nothing listens on `$JS.API.>` (clients see no responders, as with nats-server); with it
 * on, an account without JetStream is answered "JetStream not enabled for account".
 */
import type { Account } from "../accounts/account.ts";
import type { InternalClient } from "../conn/internal.ts";
import type { FileSystem } from "../platform/types.ts";
import { encodeUtf8 } from "../util/bytes.ts";
import { ApiRouter } from "./api.ts";
import { apiError, JSNotEnabledForAccountErr } from "./api_errors.ts";
import { registerStreamApi } from "./api_stream.ts";
import { JsAccount } from "./js_account.ts";
import { publishInAccount } from "../accounts/imports.ts";
import { msgArgsOf } from "../pubsub/msg_args.ts";

export interface JetStreamOptions {
  readonly fs: FileSystem;
  readonly storeDir: string;
  readonly maxMemory: number;
  readonly maxStore: number;
  readonly syncIntervalMs: number;
  readonly serverName: string;
  readonly log: { info(t: string): void; warn(t: string): void; error(t: string): void };
  /** Makes an in-process client bound to `account`. */
  readonly newClient: (name: string, account: Account) => InternalClient;
}

export interface JetStreamUsage {
  storeDir: string;
  maxMemory: number;
  maxStore: number;
  memory: number;
  storage: number;
  accounts: number;
  streams: number;
  consumers: number;
  messages: number;
  bytes: number;
  apiTotal: number;
  apiErrors: number;
}

/** Hooks the consumer layer registers its API and restore logic through. */
export type ApiExtension = (router: ApiRouter, js: JsAccount) => void;

export class JetStream {
  readonly accounts = new Map<Account, JsAccount>();
  readonly #opts: JetStreamOptions;
  readonly #extensions: ApiExtension[] = [];
  #refusers: InternalClient[] = [];
  #routers: ApiRouter[] = [];

  constructor(opts: JetStreamOptions) {
    this.#opts = opts;
  }

  /** Adds endpoints to every account's router (consumers register here). */
  extendApi(extension: ApiExtension): void {
    this.#extensions.push(extension);
  }

  /** Turns JetStream on for `account`: loads its streams and starts answering its API. */
  async enable(account: Account): Promise<JsAccount> {
    const o = this.#opts;
    const client = o.newClient(`JetStream API (${account.name})`, account);
    const js = new JsAccount(account, client, {
      fs: o.fs,
      storeDir: o.storeDir,
      serverName: o.serverName,
      syncIntervalMs: o.syncIntervalMs,
      log: o.log,
      serverMaxMemory: o.maxMemory,
      serverMaxStore: o.maxStore,
      serverReserved: (storage, except) => {
        let total = 0;
        for (const other of this.accounts.values()) {
          total += other.reserved(storage, other === js ? except : null);
        }
        return total;
      },
    });
    const router = new ApiRouter(
      (subject, body) => js.messaging.publish(subject, null, null, body),
      (text) => o.log.error(text),
      (event) => {
        // Only worth building when someone listens (dead-letter and audit tooling).
        if (js.messaging.hasInterest("$JS.EVENT.ADVISORY.API")) {
          js.messaging.advisory("$JS.EVENT.ADVISORY.API", event);
        }
      },
    );
    this.#routers.push(router);
    registerStreamApi(router, js);
    for (const extend of this.#extensions) extend(router, js);
    this.accounts.set(account, js);
    await js.loadStreams();
    client.subscribe("$JS.API.>", (msg) => void router.dispatch(msg));
    return js;
  }

  /** Answers API requests in an account that has no JetStream. */
  refuse(account: Account): void {
    const client = this.#opts.newClient(`JetStream refusal (${account.name})`, account);
    const body = encodeUtf8(
      JSON.stringify({ error: apiError(JSNotEnabledForAccountErr).toJSON() }),
    );
    client.subscribe("$JS.API.>", (msg) => {
      if (msg.reply !== "") publishReply(client, msg.reply, body);
    });
    this.#refusers.push(client);
  }

  /** Totals for /jsz, /varz and $JS.API.INFO-style reports. */
  usage(): JetStreamUsage {
    const u: JetStreamUsage = {
      storeDir: `${this.#opts.storeDir}/jetstream`,
      maxMemory: this.#opts.maxMemory,
      maxStore: this.#opts.maxStore,
      memory: 0,
      storage: 0,
      accounts: this.accounts.size,
      streams: 0,
      consumers: 0,
      messages: 0,
      bytes: 0,
      apiTotal: 0,
      apiErrors: 0,
    };
    for (const js of this.accounts.values()) {
      const a = js.usage();
      u.memory += a.memory;
      u.storage += a.storage;
      u.consumers += a.consumers;
      u.streams += js.streams.size;
      for (const s of js.streams.values()) {
        const st = s.store.state();
        u.messages += st.msgs;
        u.bytes += st.bytes;
      }
    }
    for (const r of this.#routers) {
      u.apiTotal += r.stats.total;
      u.apiErrors += r.stats.errors;
    }
    return u;
  }

  async stop(): Promise<void> {
    for (const js of this.accounts.values()) await js.stop();
    this.accounts.clear();
    for (const c of this.#refusers) c.close();
    this.#refusers = [];
  }
}

function publishReply(client: InternalClient, subject: string, body: Uint8Array): void {
  publishInAccount(client.account, msgArgsOf(subject, null, null, body), subject, client);
}
