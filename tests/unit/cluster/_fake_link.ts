/** Test doubles for leaf links: a socket the test feeds, and a `LeafHost` over one account. */
import type { Conn, NetAddr } from "../../../src/platform/types.ts";
import { defaultOptions, type Options } from "../../../src/config/options.ts";
import type { Account } from "../../../src/accounts/account.ts";
import type { TrafficStats } from "../../../src/conn/host.ts";
import { Logger } from "../../../src/server/logger.ts";
import type { LeafHost } from "../../../src/cluster/leaf_host.ts";
import { AccountInterest } from "../../../src/cluster/leaf_interest.ts";
import type { LeafConnection } from "../../../src/cluster/leafnode.ts";
import { hubConnectInfoLine, hubInfoLine } from "../../../src/cluster/leaf_protocol.ts";
import type { MsgArgs } from "../../../src/protocol/ops.ts";
import type { Subscriber, Subscription } from "../../../src/pubsub/subscription.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A socket whose reads the test feeds and whose writes it inspects. */
export class PipeConn implements Conn {
  readonly remoteAddr: NetAddr = { hostname: "127.0.0.1", port: 50000 };
  readonly localAddr: NetAddr = { hostname: "127.0.0.1", port: 7422 };
  written = "";
  closed = false;
  #chunks: Uint8Array[] = [];
  #waiting: (() => void) | null = null;

  feed(text: string): void {
    this.#chunks.push(enc.encode(text));
    this.#waiting?.();
  }

  async read(buf: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.closed) return null;
      await new Promise<void>((resolve) => this.#waiting = resolve);
      this.#waiting = null;
    }
    const chunk = this.#chunks.shift()!;
    buf.set(chunk);
    return chunk.length;
  }

  /** While set, writes never complete (a peer that stopped reading). */
  stuck = false;

  write(data: Uint8Array): Promise<void> {
    this.written += dec.decode(data);
    return this.stuck ? new Promise(() => {}) : Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.#waiting?.();
  }

  setNoDelay(): void {}

  /** Everything written so far, and forgets it. */
  take(): string {
    const w = this.written;
    this.written = "";
    return w;
  }
}

export class FakeHost implements LeafHost {
  options: Options = { ...defaultOptions(), pingIntervalMs: 0 };
  readonly logs: string[] = [];
  readonly logger = new Logger({
    pid: 1,
    debug: true,
    trace: false,
    logtime: false,
    write: (line) => this.logs.push(line),
  });
  readonly stats: TrafficStats = {
    inMsgs: 0,
    inBytes: 0,
    outMsgs: 0,
    outBytes: 0,
    slowConsumers: 0,
    staleConnections: 0,
  };
  readonly serverId = "NTESTSERVER";
  readonly serverName = "test";
  readonly authTimeoutMs = 60_000;
  active: LeafConnection[] = [];
  closed: LeafConnection[] = [];
  /** What `authenticate` answers; null refuses. */
  binding: Account | null;
  #interest = new Map<Account, AccountInterest>();

  constructor(readonly account: Account) {
    this.binding = account;
  }

  #fields() {
    return {
      serverId: this.serverId,
      serverName: this.serverName,
      host: "127.0.0.1",
      port: 7422,
      maxPayload: this.options.maxPayload,
      leafnodeUrls: ["127.0.0.1:7422"],
    };
  }

  hubInfoLine(link: LeafConnection, nonce: string): string {
    return hubInfoLine(this.#fields(), link.cid, nonce);
  }
  hubConnectInfoLine(link: LeafConnection, account: Account): string {
    return hubConnectInfoLine(this.#fields(), link.cid, account.name);
  }
  authenticate(): Account | null {
    return this.binding;
  }
  interestFor(account: Account): AccountInterest {
    let i = this.#interest.get(account);
    if (i === undefined) this.#interest.set(account, i = new AccountInterest(account));
    return i;
  }
  markDirty(link: LeafConnection): void {
    link.dirty = true;
    queueMicrotask(() => {
      link.dirty = false;
      link.flush(Date.now());
    });
  }
  linkActive(link: LeafConnection): void {
    this.active.push(link);
  }
  linkClosed(link: LeafConnection): void {
    this.closed.push(link);
  }
  leafSlowConsumer(): void {}
}

/** A local subscriber that records what it gets. */
export class Recorder implements Subscriber {
  readonly echo = true;
  closed = false;
  got: string[] = [];
  constructor(readonly cid: number) {}
  deliver(sub: Subscription, args: MsgArgs): void {
    const subject = dec.decode(args.buf.subarray(args.subjectStart, args.subjectEnd));
    const payload = dec.decode(
      args.payloadBuf.subarray(args.payloadStart, args.payloadStart + args.size),
    );
    this.got.push(`${sub.sid}:${subject}:${payload}`);
  }
}

/** Lets the link's read loop and the flush microtasks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}
