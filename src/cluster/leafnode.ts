/**
 * A leaf node link, either side: the connection a leaf accepted on the leaf port (we are its
 * hub) or one this server solicited to a remote (we are the leaf, unless the remote says
 * `hub: true`). It runs the handshake, keeps the peer's interest as one subscription per
 * subject/queue in the bound account, sends our interest as LS+/LS-, and carries messages both
 * ways as LMSG/HMSG. The outbound side reuses the client's `Outbound` (coalesced writes, write
 * deadline, pending limit): a slow or dead link is cut without holding up local clients.
 * A message that matched several of the peer's subscriptions crosses once (leaf_frames.ts).
 */
import type { Conn } from "../platform/types.ts";
import type { Account } from "../accounts/account.ts";
import { Outbound } from "../conn/outbound.ts";
import { Keepalive } from "../conn/keepalive.ts";
import { CloseReason } from "../conn/close_reason.ts";
import { ClientParser } from "../protocol/parser.ts";
import type { LeafOpHandler, MsgArgs, ParseFailure } from "../protocol/ops.ts";
import { leafSubLine, leafUnsubLine, PING_LINE, PONG_LINE } from "../protocol/encode.ts";
import {
  ERR_AUTHENTICATION_TIMEOUT,
  ERR_AUTHORIZATION_VIOLATION,
  ERR_LEAF_PORT,
  ERR_STALE_CONNECTION,
  errLine,
} from "../protocol/errors.ts";
import { type Subscriber, Subscription } from "../pubsub/subscription.ts";
import { PublishCache } from "../pubsub/publish_cache.ts";
import { isValidLiteralSubject, isValidSubject } from "../subject/subject.ts";
import { decodeAscii, encodeUtf8 } from "../util/bytes.ts";
import { newNonce } from "../auth/mod.ts";
import type { LeafHost } from "./leaf_host.ts";
import type { AccountInterest, InterestEntry, InterestLink } from "./leaf_interest.ts";
import { LeafFrameWriter } from "./leaf_frames.ts";
import { deliverFromLeaf, groupOf, type LeafLinkMarker, pickLocalMember } from "./leaf_deliver.ts";
import { JETSTREAM_DENY, NO_DENY, SubjectDenyList } from "./leaf_filter.ts";
import {
  type HubInfo,
  interestKey,
  LDS_PREFIX,
  LEAF_CONNECT_WAIT_MS,
  LEAF_INFO_WAIT_MS,
  type LeafConnectInfo,
  leafConnectLine,
  LOOP_RECONNECT_DELAY_MS,
  loopDetectedText,
  parseJsonObject,
  WRONG_PORT_TEXT,
} from "./leaf_protocol.ts";
import type { SolicitedLink } from "./solicit.ts";

const READ_BUFFER = 32 * 1024;
const CLOSE_FLUSH_MS = 500;

/** Close reasons of leaf links that have no client equivalent (nats-server's names). */
export const LeafCloseReason = {
  WrongPort: "Wrong Port",
  DuplicateRemote: "Duplicate Remote LeafNode Connection",
} as const;

const enum State {
  /** Accepted: waiting for CONNECT. Solicited: waiting for the hub's INFO. */
  Handshake,
  /** Solicited: CONNECT sent, waiting for the INFO that completes the connect. */
  ConnectSent,
  Active,
}

/** The peer's interest in one subject/queue, as a subscription in the bound account. */
class LeafSubscription extends Subscription {
  /** The queue name as written into LMSG frames; null for plain interest. */
  readonly queueBytes: Uint8Array | null;
  weight: number;

  constructor(owner: LeafConnection, subject: string, queue: string | null, weight: number) {
    super(owner, subject, queue, interestKey(subject, queue));
    this.queueBytes = queue === null ? null : encodeUtf8(queue);
    this.weight = weight;
  }
}

export class LeafConnection implements Subscriber, LeafOpHandler, InterestLink, LeafLinkMarker {
  readonly isLeafLink = true;
  readonly echo = false;
  readonly cid: number;
  readonly conn: Conn;
  readonly start = Date.now();
  readonly out: Outbound;
  readonly solicit: SolicitedLink | null;
  /** The account both sides bound the link to; null until an accepted link's CONNECT. */
  account: Account | null;
  /** True when this server is the leaf (spoke) of the link. */
  spoke: boolean;
  /** The peer's server name (or id). */
  remoteName = "";
  remoteId = "";
  /** The account the peer bound its side to (its CONNECT's `remote_account`), if it said. */
  remoteAccount = "";
  closed = false;
  closeReason: string | null = null;
  /** Whether the handshake ever completed (a solicited link resets its back-off then). */
  wasActive = false;
  lastActivity = Date.now();
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  dirty = false;
  /** Resolves when the link has closed. */
  readonly done: Promise<void>;

  #host: LeafHost;
  #parser: ClientParser;
  #state = State.Handshake;
  #nonce = "";
  #subs = new Map<string, LeafSubscription>();
  #interest: AccountInterest | null = null;
  #pubCache: PublishCache<Subscription> | null = null;
  /** Subjects we do not take from the peer, and do not send to it. */
  #importDeny: SubjectDenyList = NO_DENY;
  #exportDeny: SubjectDenyList = NO_DENY;
  #frames: LeafFrameWriter;
  #keepalive: Keepalive;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #resolveDone!: () => void;

  constructor(cid: number, conn: Conn, host: LeafHost, solicit: SolicitedLink | null) {
    this.cid = cid;
    this.conn = conn;
    this.#host = host;
    this.solicit = solicit;
    this.account = solicit?.account ?? null;
    this.spoke = solicit !== null && !solicit.config.hub;
    if (solicit !== null) {
      this.#importDeny = new SubjectDenyList(solicit.config.denyImports);
      this.#exportDeny = new SubjectDenyList(solicit.config.denyExports);
    }
    this.#parser = ClientParser.forLeaf(this, host.options);
    this.out = new Outbound(conn, {
      onWriteError: () => this.close(CloseReason.WriteError),
      onDrained: () => {},
    });
    this.#frames = new LeafFrameWriter(this.out);
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    this.#keepalive = new Keepalive(host.options, () => this.#send(PING_LINE), () => {
      this.#host.stats.staleConnections++;
      this.#host.logger.debug(`${this.label} - Stale Leafnode Connection - Closing`);
      this.#fatal(ERR_STALE_CONNECTION, CloseReason.StaleConnection);
    });
  }

  /** Round-trip time in milliseconds, measured by PING/PONG; 0 until measured. */
  get rtt(): number {
    return this.#keepalive.rtt;
  }

  /** `ip:port - lid:N`, the prefix of this link's log lines. */
  get label(): string {
    const a = this.conn.remoteAddr;
    return `${a.hostname}:${a.port} - lid:${this.cid}`;
  }

  get active(): boolean {
    return this.#state === State.Active && !this.closed;
  }

  /** The subjects of the peer's interest (a queue group's shows as its subject). */
  get subscriptionSubjects(): string[] {
    return Array.from(this.#subs.values(), (s) => s.subject);
  }

  get numSubs(): number {
    return this.#subs.size;
  }

  /** Starts the handshake and reads until the socket ends. */
  async run(): Promise<void> {
    this.conn.setNoDelay(true);
    if (this.solicit === null) {
      this.#nonce = newNonce();
      this.#send(this.#host.hubInfoLine(this, this.#nonce));
      this.#handshakeTimer = setTimeout(
        () => this.#fatal(ERR_AUTHENTICATION_TIMEOUT, CloseReason.AuthenticationTimeout),
        this.#host.authTimeoutMs,
      );
    } else {
      this.#handshakeTimer = setTimeout(() => {
        this.#host.logger.error(`${this.label} - Leafnode did not receive the hub's INFO in time`);
        this.close(CloseReason.StaleConnection);
      }, LEAF_INFO_WAIT_MS);
    }
    const buf = new Uint8Array(READ_BUFFER);
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
    }
    this.close(CloseReason.ClientClosed);
  }

  // ---- handshake ----

  onInfo(json: string): void {
    const solicit = this.solicit;
    if (solicit === null || this.closed) return; // a hub has nothing to learn from INFO
    const info = parseJsonObject<HubInfo>(json);
    if (info === null) return this.#protocolError("bad INFO");
    const urls = Array.isArray(info.leafnode_urls) ? info.leafnode_urls : null;
    if (this.#state === State.Handshake) {
      // nats-server: an INFO without client_id or leafnode_urls is not from a leaf port.
      if (!info.client_id || urls === null) {
        this.#host.logger.error(`${this.label} - ${WRONG_PORT_TEXT}`);
        return this.close(LeafCloseReason.WrongPort);
      }
      if (info.tls_required === true) {
        this.#host.logger.error(
          `${this.label} - the hub requires TLS, which Skiff's leaf links do not speak yet`,
        );
        return this.close(CloseReason.ProtocolViolation);
      }
      clearTimeout(this.#handshakeTimer);
      this.remoteName = String(info.server_name || info.server_id || "");
      this.remoteId = String(info.server_id ?? "");
      this.#frames.peerHeaders = info.headers === true;
      solicit.learnUrls(urls);
      this.#send(encodeUtf8(leafConnectLine({
        serverId: this.#host.serverId,
        serverName: this.#host.serverName,
        user: solicit.url.user,
        pass: solicit.url.pass,
        hub: solicit.config.hub,
        denyImports: solicit.config.denyImports,
        account: solicit.account.name,
      })));
      this.#keepalive.startRtt();
      if (info.info_on_connect !== true) return this.#activate();
      this.#state = State.ConnectSent;
      this.#handshakeTimer = setTimeout(() => {
        this.#host.logger.error(`${this.label} - Stale Leaf Node Connection - Closing`);
        this.close(CloseReason.StaleConnection);
      }, LEAF_CONNECT_WAIT_MS);
      return;
    }
    if (urls !== null && urls.length > 0) solicit.learnUrls(urls);
    if (this.#state === State.ConnectSent && info.connect_info === true) this.#activate();
  }

  onConnect(json: string): void {
    if (this.solicit !== null || this.#state !== State.Handshake || this.closed) {
      return this.#protocolError("unexpected CONNECT");
    }
    const info = parseJsonObject<LeafConnectInfo>(json);
    if (info === null) return this.#protocolError("bad CONNECT");
    // A client's CONNECT carries `lang`; a leaf's never does.
    if (typeof info.lang === "string" && info.lang !== "") {
      return this.#fatal(ERR_LEAF_PORT, LeafCloseReason.WrongPort);
    }
    const account = this.#host.authenticate(info, this.#nonce);
    if (account === null) {
      this.#host.logger.error(`${this.label} - authentication error`);
      return this.#fatal(ERR_AUTHORIZATION_VIOLATION, CloseReason.AuthenticationViolation);
    }
    clearTimeout(this.#handshakeTimer);
    this.account = account;
    this.remoteName = String(info.name || info.server_id || "");
    this.remoteId = String(info.server_id ?? "");
    this.remoteAccount = typeof info.remote_account === "string" ? info.remote_account : "";
    this.#frames.peerHeaders = info.headers === true;
    // The leaf declared itself the hub of the link: we take the spoke role.
    this.spoke = info.is_hub === true;
    if (Array.isArray(info.deny_pub)) {
      this.#exportDeny = new SubjectDenyList(info.deny_pub.filter((s) => typeof s === "string"));
    }
    this.#send(this.#host.hubConnectInfoLine(this, account));
    this.#activate();
  }

  #activate(): void {
    if (this.closed || this.#state === State.Active) return;
    clearTimeout(this.#handshakeTimer);
    const account = this.account!;
    if (!account.isSystem) {
      this.#importDeny = this.#importDeny.with(JETSTREAM_DENY);
      this.#exportDeny = this.#exportDeny.with(JETSTREAM_DENY);
    }
    this.#state = State.Active;
    this.wasActive = true;
    this.#pubCache = new PublishCache(account.sublist);
    this.#host.linkActive(this);
    this.#interest = this.#host.interestFor(account);
    this.#interest.attach(this);
    // A first PING measures the round trip at once, for /leafz.
    this.#keepalive.ping();
    this.#keepalive.start();
  }

  // ---- interest ----

  /**
   * Moves the link and its peer's subscriptions to `account`, the same account rebuilt by a
   * config reload. The owner then hands it the new account's router (`adoptedBy`).
   */
  moveTo(account: Account): void {
    const old = this.account;
    if (old === null || old === account) return;
    if (this.#subs.size > 0) {
      old.sublist.removeBatch(this.#subs.values());
      for (const sub of this.#subs.values()) account.sublist.insert(sub);
    }
    this.account = account;
    this.#pubCache = new PublishCache(account.sublist);
    this.#interest = null;
  }

  adoptedBy(interest: AccountInterest): void {
    this.#interest = interest;
  }

  remoteInterest(): Iterable<InterestEntry> {
    return this.#subs.values();
  }

  sendInterest(subject: string, queue: string | null, added: boolean): void {
    if (this.closed) return;
    // A spoke does not ask for what it refuses to import ($LDS. always goes).
    if (!subject.startsWith(LDS_PREFIX) && this.#importDeny.denies(subject)) return;
    this.#send(encodeUtf8(added ? leafSubLine(subject, queue) : leafUnsubLine(subject, queue)));
  }

  onLeafSub(subject: string, queue: string | null, weight: number): void {
    if (!this.#mayOperate()) return;
    const account = this.account!;
    // The account's router must exist (and listen) before any of our subscriptions go in.
    const router = this.#interest ?? this.#host.interestFor(account);
    if (subject.startsWith(LDS_PREFIX) && subject === router.lds) return this.#loopDetected(true);
    if (!isValidSubject(subject)) {
      this.#host.logger.debug(`${this.label} - ignoring LS+ for invalid subject ${subject}`);
      return;
    }
    // Interest in what we may not send is not taken up (nats-server checks literal subjects).
    if (
      !subject.startsWith(LDS_PREFIX) && isValidLiteralSubject(subject) &&
      this.#exportDeny.denies(subject)
    ) return;
    const key = interestKey(subject, queue);
    const existing = this.#subs.get(key);
    if (existing !== undefined) {
      existing.weight = weight;
      return;
    }
    const sub = new LeafSubscription(this, subject, queue, weight);
    this.#subs.set(key, sub);
    // Straight into the sublist: the account's interest events are for local subscribers.
    account.sublist.insert(sub);
    this.#interest?.remoteChanged(this, subject, queue, true);
  }

  onLeafUnsub(subject: string, queue: string | null): void {
    if (!this.#mayOperate()) return;
    const key = interestKey(subject, queue);
    const sub = this.#subs.get(key);
    if (sub === undefined) return;
    this.#subs.delete(key);
    this.account!.sublist.remove(sub);
    this.#interest?.remoteChanged(this, subject, queue, false);
  }

  // ---- messages ----

  onLeafMsg(args: MsgArgs, queues: readonly string[]): void {
    if (!this.#mayOperate()) return;
    this.inMsgs++;
    this.inBytes += args.size;
    const stats = this.#host.stats;
    stats.inMsgs++;
    stats.inBytes += args.size;
    if (this.#importDeny.deniesBytes(args.buf, args.subjectStart, args.subjectEnd)) return;
    const cache = this.#pubCache ?? (this.#pubCache = new PublishCache(this.account!.sublist));
    deliverFromLeaf(cache.lookup(args.buf, args.subjectStart, args.subjectEnd), args, queues, this);
  }

  /** Sends a message one of our subscriptions (the peer's interest) matched. */
  deliver(sub: Subscription, args: MsgArgs, origin: Subscriber | null): void {
    if (this.closed || this.#state !== State.Active || origin === this) return;
    const queue = (sub as LeafSubscription).queueBytes ?? null;
    // A queue group prefers a member here; the link is only the fallback.
    if (queue !== null && this.#redirectToLocal(sub, args, origin)) return;
    if (this.#exportDeny.deniesBytes(args.buf, args.subjectStart, args.subjectEnd)) return;
    const frames = this.#frames;
    if (frames.isLast(args)) {
      // The same message again: a plain match is covered already, a queue group joins.
      if (frames.join(args, queue) && !this.dirty) this.#host.markDirty(this);
      return;
    }
    const out = this.out;
    if (out.pending > this.#host.options.maxPending) {
      return this.#slowConsumer(CloseReason.SlowConsumerPendingBytes);
    }
    frames.write(args, queue);
    this.outMsgs++;
    this.outBytes += args.size;
    const stats = this.#host.stats;
    stats.outMsgs++;
    stats.outBytes += args.size;
    if (!this.dirty) this.#host.markDirty(this);
  }

  /** Hands a queue message to a local member of the group, if there is one. */
  #redirectToLocal(sub: Subscription, args: MsgArgs, origin: Subscriber | null): boolean {
    const result = this.account!.sublist.match(subjectOf(args));
    const group = groupOf(result, sub.queue!);
    const member = group === null ? null : pickLocalMember(group, origin);
    if (member === null) return false;
    member.owner.deliver(member, args, origin);
    return true;
  }

  // ---- keepalive and the other client operations ----

  onPing(): void {
    if (!this.#mayOperate()) return;
    this.#send(PONG_LINE);
  }

  onPong(): void {
    this.#keepalive.pong();
  }

  onOk(): void {}

  onErr(text: string): void {
    this.#host.logger.error(`${this.label} - Leafnode Error ${text}`);
    if (text.includes("Loop detected")) return this.#loopDetected(false);
    this.close(CloseReason.ParseError);
  }

  onPub(): void {
    if (this.#mayOperate()) this.#protocolError("PUB on a leaf node link");
  }

  onSub(): void {
    if (this.#mayOperate()) this.#protocolError("SUB on a leaf node link");
  }

  onUnsub(): void {
    if (this.#mayOperate()) this.#protocolError("UNSUB on a leaf node link");
  }

  onParseError(failure: ParseFailure): void {
    this.#host.logger.debug(`${this.label} - parser error: ${failure.detail}`);
    if (failure.errText !== null) this.#fatal(failure.errText, CloseReason.ProtocolViolation);
    else this.close(CloseReason.ProtocolViolation);
  }

  /** Called by the flush scheduler: checks the write deadline, then writes. */
  flush(now: number): void {
    if (this.out.deadlinePassed(now, this.#host.options.writeDeadlineMs)) {
      return this.#slowConsumer(CloseReason.SlowConsumerWriteDeadline);
    }
    this.out.flush();
  }

  // ---- closing ----

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.#parser.stop();
    this.#keepalive.stop();
    clearTimeout(this.#handshakeTimer);
    // Withdraw the peer's interest from the other links before its subscriptions go.
    this.#interest?.detach(this);
    if (this.account !== null && this.#subs.size > 0) {
      this.account.sublist.removeBatch(this.#subs.values());
    }
    this.#host.linkClosed(this);
    this.#subs.clear();
    const release = () => {
      this.out.close();
      this.conn.close();
      this.#resolveDone();
    };
    if (this.out.pending > 0 && reason !== CloseReason.SlowConsumerPendingBytes) {
      this.out.drain(CLOSE_FLUSH_MS).finally(release);
    } else {
      release();
    }
  }

  /** Closes with `-ERR '<text>'` (texts that are not in protocol/errors.ts's table). */
  closeWithError(errText: string, reason: string): void {
    this.#fatal(errText, reason);
  }

  #fatal(errText: string, reason: string): void {
    if (this.closed) return;
    this.#parser.stop();
    this.#send(encodeUtf8(errLine(errText)));
    this.out.flush();
    this.close(reason);
  }

  #protocolError(detail: string): void {
    this.#host.logger.debug(`${this.label} - leafnode protocol error: ${detail}`);
    this.close(CloseReason.ProtocolViolation);
  }

  #loopDetected(tellPeer: boolean): void {
    const text = loopDetectedText(this.account?.name ?? "", LOOP_RECONNECT_DELAY_MS);
    this.solicit?.delayNext(LOOP_RECONNECT_DELAY_MS);
    this.#host.logger.error(`${this.label} - ${text}`);
    if (tellPeer) this.#fatal(text, CloseReason.ProtocolViolation);
    else this.close(CloseReason.ProtocolViolation);
  }

  #slowConsumer(reason: string): void {
    if (this.closed) return;
    this.#host.stats.slowConsumers++;
    this.#host.leafSlowConsumer();
    this.#host.logger.info(
      `${this.label} - Slow Consumer Detected on leafnode link with ${this.out.pending} pending bytes`,
    );
    this.close(reason);
  }

  /** An accepted link must send CONNECT before anything else, as nats-server demands. */
  #mayOperate(): boolean {
    if (this.closed) return false;
    if (this.account !== null && (this.solicit !== null || this.#state === State.Active)) {
      return true;
    }
    this.#fatal(ERR_AUTHORIZATION_VIOLATION, CloseReason.AuthenticationViolation);
    return false;
  }

  #send(bytes: Uint8Array | string): void {
    this.out.append(typeof bytes === "string" ? encodeUtf8(bytes) : bytes);
    if (!this.dirty) this.#host.markDirty(this);
  }
}

function subjectOf(args: MsgArgs): string {
  return decodeAscii(args.buf, args.subjectStart, args.subjectEnd);
}
