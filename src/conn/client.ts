/**
 * A client connection: reads and parses the socket, applies each operation, owns the
 * connection's subscriptions and its outbound buffer, and keeps it alive with PING/PONG.
 *
 * The publish path is synchronous from parse to delivery: a read is parsed, every message in
 * it is matched and queued on its subscribers' outbound buffers, and the server writes each
 * touched buffer once when the read has been handled.
 */
import type { Conn } from "../platform/types.ts";
import type { Account } from "../accounts/account.ts";
import type { ClientHost } from "./host.ts";
import { Outbound } from "./outbound.ts";
import { Keepalive } from "./keepalive.ts";
import { CloseReason } from "./close_reason.ts";
import {
  type ConnectOptions,
  defaultConnectOptions,
  parseConnectOptions,
} from "./connect_options.ts";
import { ClientParser } from "../protocol/parser.ts";
import type { ClientOpHandler, MsgArgs, ParseFailure } from "../protocol/ops.ts";
import { encodeMsg, encodeStatusMsg, OK_LINE, PING_LINE, PONG_LINE } from "../protocol/encode.ts";
import {
  ERR_AUTHENTICATION_TIMEOUT,
  ERR_AUTHORIZATION_VIOLATION,
  ERR_INVALID_CLIENT_PROTOCOL,
  ERR_INVALID_PUBLISH_SUBJECT,
  ERR_INVALID_SUBJECT,
  ERR_MAX_CONTROL_LINE,
  ERR_MAX_PAYLOAD,
  ERR_MAX_SUBSCRIPTIONS,
  ERR_NO_RESPONDERS_REQUIRES_HEADERS,
  ERR_STALE_CONNECTION,
  errLine,
} from "../protocol/errors.ts";
import { type Subscriber, Subscription } from "../pubsub/subscription.ts";
import { deliverToMatches } from "../pubsub/deliver.ts";
import { PublishCache } from "../pubsub/publish_cache.ts";
import { withSubject } from "../pubsub/msg_args.ts";
import { isValidLiteralSubject, isValidSubject } from "../subject/subject.ts";
import { decodeAscii, encodeUtf8 } from "../util/bytes.ts";
import { type Permissions, ReplyPermits } from "../auth/mod.ts";
import { publishViolation, subscriptionViolation } from "../protocol/errors.ts";
import { subjectHasWildcard } from "../subject/subject.ts";

const MIN_READ_BUFFER = 512;
// Deno's read op costs tens of microseconds: busy publishers get big reads to spread it.
const MAX_READ_BUFFER = 256 * 1024;
/** A producer stops reading while a subscriber it feeds has more than this queued. */
const STALL_THRESHOLD = 4 * 1024 * 1024;
/** The longest a producer is held back before reading again (nats-server: 1s at most). */
const STALL_MAX_MS = 1000;
/** How long -ERR and other final words get to reach the peer before the socket closes. */
const CLOSE_FLUSH_MS = 500;
const NO_RESPONDERS_BLOCK = encodeUtf8("NATS/1.0 503\r\n\r\n");

export class ClientConnection implements ClientOpHandler {
  readonly cid: number;
  readonly conn: Conn;
  readonly start = Date.now();
  readonly out: Outbound;
  readonly subs = new Map<string, Subscription>();
  account: Account;
  opts: ConnectOptions = defaultConnectOptions();
  connectReceived = false;
  closed = false;
  closeReason: CloseReason | null = null;
  lastActivity = Date.now();
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  /** Set by the server's flush scheduler while this connection waits in its dirty list. */
  dirty = false;
  /** The nonce sent in INFO (nkey users configured), else null. */
  nonce: string | null = null;
  permissions: Permissions | null = null;
  replyPermits: ReplyPermits | null = null;

  #host: ClientHost;
  #parser: ClientParser;
  #pubCache: PublishCache<Subscription>;
  #keepalive: Keepalive;
  #authTimer: ReturnType<typeof setTimeout> | undefined;
  /** A subscriber whose backlog this connection's last read pushed over the stall threshold. */
  #stalledOn: ClientConnection | null = null;
  /** Asynchronous INFOs go only to clients past their first PONG, as in nats-server. */
  #firstPongSent = false;

  constructor(cid: number, conn: Conn, host: ClientHost, account: Account) {
    this.cid = cid;
    this.conn = conn;
    this.#host = host;
    this.account = account;
    const options = host.options;
    this.#parser = new ClientParser(this, options);
    this.#pubCache = new PublishCache(account.sublist, account.mapper);
    this.out = new Outbound(conn, {
      onWriteError: () => this.close(CloseReason.WriteError),
      onDrained: () => {},
    });
    this.#keepalive = new Keepalive(options, () => this.#send(PING_LINE), () => {
      this.#host.stats.staleConnections++;
      this.#host.logger.debug(`cid:${this.cid} - Stale Client Connection - Closing`);
      this.#fatal(ERR_STALE_CONNECTION, CloseReason.StaleConnection);
    });
  }

  /**
   * Round-trip time in milliseconds, for `/connz`: INFO sent to CONNECT received, then each
   * server PING to its PONG (as nats-server measures it). 0 until measured.
   */
  get rtt(): number {
    return this.#keepalive.rtt;
  }

  setPermissions(p: Permissions | null): void {
    this.permissions = p;
    this.replyPermits = p?.allowResponses ? new ReplyPermits(p.allowResponses) : null;
  }

  get echo(): boolean {
    return this.opts.echo;
  }

  /** Sends INFO, arms the timers and reads until the socket ends. */
  async run(): Promise<void> {
    this.conn.setNoDelay(true);
    this.#send(encodeUtf8(this.#host.infoLine(this)));
    this.#host.markDirty(this);
    this.#keepalive.startRtt();
    if (this.#host.authRequired) {
      this.#authTimer = setTimeout(
        () => this.#fatal(ERR_AUTHENTICATION_TIMEOUT, CloseReason.AuthenticationTimeout),
        this.#host.options.authTimeoutMs,
      );
    }
    this.#keepalive.start();
    await this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    let buf = new Uint8Array(MIN_READ_BUFFER);
    let smallReads = 0;
    while (!this.closed) {
      let n: number | null;
      try {
        n = await this.conn.read(buf);
      } catch {
        this.close(CloseReason.ReadError);
        return;
      }
      if (n === null) break;
      this.lastActivity = Date.now();
      this.#parser.parse(buf, n);
      const stalledOn = this.#stalledOn;
      if (stalledOn !== null) {
        // Let a lagging subscriber catch up instead of queueing without bound.
        this.#stalledOn = null;
        await stalledOn.out.drain(STALL_MAX_MS);
      }
      // Grow the buffer for busy publishers; shrink it back for idle ones.
      if (n === buf.length && buf.length < MAX_READ_BUFFER) {
        buf = new Uint8Array(buf.length * 2);
        smallReads = 0;
      } else if (n < buf.length / 4 && buf.length > MIN_READ_BUFFER && ++smallReads > 8) {
        buf = new Uint8Array(buf.length / 2);
        smallReads = 0;
      }
    }
    this.close(CloseReason.ClientClosed);
  }

  // ---- operations from the parser ----

  onConnect(json: string): void {
    if (this.#host.logger.traceEnabled) this.#trace(`<<- [CONNECT ${json}]`);
    if (!this.connectReceived) this.#keepalive.endRtt();
    let opts: ConnectOptions;
    try {
      opts = parseConnectOptions(json, this.opts);
    } catch (err) {
      this.#host.logger.debug(`cid:${this.cid} - bad CONNECT: ${(err as Error).message}`);
      this.#parser.stop();
      this.close(CloseReason.ProtocolViolation);
      return;
    }
    if (opts.protocol < 0 || opts.protocol > 1) {
      return this.#fatal(ERR_INVALID_CLIENT_PROTOCOL, CloseReason.BadClientProtocolVersion);
    }
    if (opts.noResponders && !opts.headers) {
      return this.#fatal(
        ERR_NO_RESPONDERS_REQUIRES_HEADERS,
        CloseReason.NoRespondersRequiresHeaders,
      );
    }
    if (this.#host.authRequired && !this.connectReceived) {
      const account = this.#host.authenticate(this, opts);
      if (account === null) {
        // Kept so the close record and the auth error event name the client (user, lang).
        this.opts = opts;
        this.#host.logger.error(`cid:${this.cid} - authentication error`);
        return this.#fatal(ERR_AUTHORIZATION_VIOLATION, CloseReason.AuthenticationViolation);
      }
      this.#bindAccount(account);
    }
    clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
    this.opts = opts;
    const first = !this.connectReceived;
    this.connectReceived = true;
    this.#ok();
    if (first) this.#host.clientConnected(this);
  }

  onPub(args: MsgArgs): void {
    if (this.#host.logger.traceEnabled) this.#tracePub(args);
    if (!this.#mayOperate()) return;
    if (args.headerSize >= 0 && !this.opts.headers) {
      this.#host.logger.debug(`cid:${this.cid} - message headers not supported`);
      this.#parser.stop();
      this.close(CloseReason.ProtocolViolation);
      return;
    }
    this.inMsgs++;
    this.inBytes += args.size;
    const stats = this.#host.stats;
    stats.inMsgs++;
    stats.inBytes += args.size;
    const cache = this.#pubCache;
    const result = cache.lookup(args.buf, args.subjectStart, args.subjectEnd);
    const perms = this.permissions;
    if (perms !== null && !perms.publishUnrestricted) {
      const subject = cache.lastSubject;
      if (!perms.canPublish(subject) && !this.replyPermits?.use(subject, Date.now())) {
        this.#sendErr(publishViolation(subject));
        return;
      }
    }
    // Like nats-server, pedantic mode reports a wildcard publish but still delivers it.
    if (this.opts.pedantic && !isValidLiteralSubject(cache.lastSubject)) {
      this.#sendErr(ERR_INVALID_PUBLISH_SUBJECT);
    }
    this.#ok();
    const mapped = cache.lastMapped;
    const routed = mapped === null
      ? args
      : withSubject(args, mapped, args.replyEnd > args.replyStart ? replyString(args) : null);
    const delivered = deliverToMatches(result, routed, this);
    if (delivered === 0 && args.replyEnd > args.replyStart && this.opts.noResponders) {
      this.#sendNoResponders(args);
    }
  }

  onSub(subject: string, queue: string | null, sid: string): void {
    if (this.#host.logger.traceEnabled) {
      this.#trace(`<<- [SUB ${subject}${queue !== null ? ` ${queue}` : ""} ${sid}]`);
    }
    if (!this.#mayOperate()) return;
    if (!isValidSubject(subject) || (queue !== null && !isValidQueueName(queue))) {
      this.#sendErr(ERR_INVALID_SUBJECT);
      return;
    }
    if (this.permissions !== null && !this.permissions.canSubscribe(subject, queue)) {
      this.#sendErr(subscriptionViolation(subject, queue ?? undefined));
      return;
    }
    // A repeated sid is ignored, as in nats-server.
    if (!this.subs.has(sid)) {
      const max = this.#host.options.maxSubscriptions;
      if (max > 0 && this.subs.size >= max) {
        this.#sendErr(ERR_MAX_SUBSCRIPTIONS);
        return;
      }
      const sub = new Subscription(this, subject, queue, sid);
      this.subs.set(sid, sub);
      this.account.addSubscription(sub);
    }
    this.#ok();
  }

  onUnsub(sid: string, max: number): void {
    if (this.#host.logger.traceEnabled) {
      this.#trace(`<<- [UNSUB ${sid}${max >= 0 ? ` ${max}` : ""}]`);
    }
    if (!this.#mayOperate()) return;
    const sub = this.subs.get(sid);
    if (sub !== undefined) {
      if (max > 0 && max > sub.delivered) {
        sub.max = max;
      } else {
        this.#removeSub(sub);
      }
    }
    this.#ok();
  }

  onPing(): void {
    if (this.#host.logger.traceEnabled) this.#trace("<<- [PING]");
    if (!this.#mayOperate()) return;
    this.#send(PONG_LINE);
    if (this.connectReceived) this.#firstPongSent = true;
  }

  onPong(): void {
    if (this.#host.logger.traceEnabled) this.#trace("<<- [PONG]");
    this.#keepalive.pong();
  }

  onInfo(_json: string): void {
    // Clients have nothing to tell the server through INFO.
  }

  onOk(): void {}

  onErr(text: string): void {
    this.#host.logger.debug(`cid:${this.cid} - client sent -ERR ${text}`);
    this.close(CloseReason.ParseError);
  }

  onParseError(failure: ParseFailure): void {
    this.#host.logger.debug(`cid:${this.cid} - parser error: ${failure.detail}`);
    const reason = failure.errText === ERR_MAX_PAYLOAD
      ? CloseReason.MaxPayloadExceeded
      : failure.errText === ERR_MAX_CONTROL_LINE
      ? CloseReason.MaxControlLineExceeded
      : CloseReason.ProtocolViolation;
    if (failure.errText !== null) this.#fatal(failure.errText, reason);
    else this.close(reason);
  }

  // ---- delivery to this connection ----

  deliver(sub: Subscription, args: MsgArgs, origin: Subscriber | null): void {
    if (this.closed) return;
    const perms = this.permissions;
    if (perms !== null) {
      if (perms.filtersDelivery && subjectHasWildcard(sub.subject)) {
        const subject = decodeAscii(args.buf, args.subjectStart, args.subjectEnd);
        if (!perms.canDeliver(subject)) return;
      }
      if (this.replyPermits !== null && args.replyEnd > args.replyStart) {
        this.replyPermits.grant(replyString(args), Date.now());
      }
    }
    const out = this.out;
    const pending = out.pending;
    if (pending > this.#host.options.maxPending) {
      this.#slowConsumer(CloseReason.SlowConsumerPendingBytes);
      return;
    }
    encodeMsg(out, sub.sid, sub.sidBytes, args, this.opts.headers);
    this.outMsgs++;
    this.outBytes += args.size;
    const stats = this.#host.stats;
    stats.outMsgs++;
    stats.outBytes += args.size;
    if (!this.dirty) this.#host.markDirty(this);
    if (pending > STALL_THRESHOLD && origin instanceof ClientConnection && origin !== this) {
      // The producer pauses its reads until this backlog drains (see the read loop).
      origin.#stalledOn = this;
    }
    if (++sub.delivered === sub.max) this.#removeSub(sub);
  }

  /** Sends an asynchronous INFO (e.g. lame duck) to clients that understand one. */
  sendAsyncInfo(line: string): void {
    if (this.closed || this.opts.protocol < 1 || !this.#firstPongSent) return;
    this.#send(encodeUtf8(line));
  }

  /** Closes a connection whose credentials a reload no longer accepts. */
  revokeAuthorization(): void {
    this.#fatal(ERR_AUTHORIZATION_VIOLATION, CloseReason.AuthenticationViolation);
  }

  /** Applies the server's current limits (after a reload). */
  applyLimits(): void {
    const o = this.#host.options;
    this.#parser.maxPayload = o.maxPayload;
    this.#parser.maxControlLine = o.maxControlLine;
  }

  /** Called by the flush scheduler: checks the write deadline, then writes. */
  flush(now: number): void {
    if (this.out.deadlinePassed(now, this.#host.options.writeDeadlineMs)) {
      this.#slowConsumer(CloseReason.SlowConsumerWriteDeadline);
      return;
    }
    this.out.flush();
  }

  // ---- closing ----

  /** Closes at once; queued bytes get a short chance to go out first. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.#parser.stop();
    this.#keepalive.stop();
    clearTimeout(this.#authTimer);
    this.account.removeSubscriptions(this.subs.values());
    // The host still sees `subs` (the closed-connections record keeps them), not the sublist.
    this.#host.clientClosed(this);
    this.subs.clear();
    if (this.out.pending > 0 && reason !== CloseReason.SlowConsumerPendingBytes) {
      this.out.drain(CLOSE_FLUSH_MS).finally(() => this.#release());
    } else {
      this.#release();
    }
  }

  #release(): void {
    this.out.close();
    this.conn.close();
  }

  /** Sends `-ERR` and closes. */
  #fatal(errText: string, reason: CloseReason): void {
    if (this.closed) return;
    this.#parser.stop();
    this.#sendErr(errText);
    this.out.flush();
    this.close(reason);
  }

  #slowConsumer(reason: CloseReason): void {
    if (this.closed) return;
    this.#host.stats.slowConsumers++;
    this.#host.logger.info(
      `cid:${this.cid} - Slow Consumer Detected: ${
        reason === CloseReason.SlowConsumerWriteDeadline
          ? "WriteDeadline exceeded"
          : "MaxPending exceeded"
      } with ${this.out.pending} pending bytes`,
    );
    this.close(reason);
  }

  // ---- helpers ----

  /** Before CONNECT, only an unauthenticated server accepts operations. */
  #mayOperate(): boolean {
    if (this.closed) return false;
    if (this.connectReceived || !this.#host.authRequired) return true;
    this.#fatal(ERR_AUTHORIZATION_VIOLATION, CloseReason.AuthenticationViolation);
    return false;
  }

  #bindAccount(account: Account): void {
    if (account === this.account) return;
    this.account = account;
    this.#pubCache = new PublishCache(account.sublist, account.mapper);
  }

  /** Moves this connection and its subscriptions to `account` (accounts were reloaded). */
  moveToAccount(account: Account): void {
    const old = this.account;
    for (const sub of this.subs.values()) {
      old.removeSubscription(sub);
      account.addSubscription(sub);
    }
    this.account = account;
    this.#pubCache = new PublishCache(account.sublist, account.mapper);
  }

  #removeSub(sub: Subscription): void {
    if (this.subs.get(sub.sid) !== sub) return;
    this.subs.delete(sub.sid);
    this.account.removeSubscription(sub);
  }

  /** Answers a request nobody can serve with a 503 status on the requester's reply subs. */
  #sendNoResponders(args: MsgArgs): void {
    const reply = replyString(args);
    const result = this.account.sublist.match(reply);
    const replyBytes = args.buf.subarray(args.replyStart, args.replyEnd);
    for (const sub of result.plain) {
      if (sub.owner !== this) continue;
      encodeStatusMsg(this.out, replyBytes, sub.sid, sub.sidBytes, NO_RESPONDERS_BLOCK);
      this.#host.markDirty(this);
    }
  }

  #ok(): void {
    if (!this.opts.verbose) return;
    if (this.#host.logger.traceEnabled) this.#trace("->> [OK]");
    this.#send(OK_LINE);
  }

  /** A protocol trace line (-V), in nats-server's form. */
  #trace(text: string): void {
    const a = this.conn.remoteAddr;
    this.#host.logger.trace(`${a.hostname}:${a.port} - cid:${this.cid} - ${text}`);
  }

  #tracePub(args: MsgArgs): void {
    const subject = decodeAscii(args.buf, args.subjectStart, args.subjectEnd);
    const reply = args.replyEnd > args.replyStart ? ` ${replyString(args)}` : "";
    const sizes = args.headerSize >= 0 ? `${args.headerSize} ${args.size}` : `${args.size}`;
    this.#trace(`<<- [${args.headerSize >= 0 ? "HPUB" : "PUB"} ${subject}${reply} ${sizes}]`);
  }

  #sendErr(text: string): void {
    if (this.#host.logger.traceEnabled) this.#trace(`->> [-ERR '${text}']`);
    this.#send(encodeUtf8(errLine(text)));
  }

  #send(bytes: Uint8Array): void {
    this.out.append(bytes);
    this.#host.markDirty(this);
  }
}

/** A queue name is any non-empty run of bytes without whitespace (the parser already split on it). */
function isValidQueueName(queue: string): boolean {
  for (let i = 0; i < queue.length; i++) {
    const c = queue.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) return false;
  }
  return queue.length > 0;
}

function replyString(args: MsgArgs): string {
  return decodeAscii(args.buf, args.replyStart, args.replyEnd);
}
