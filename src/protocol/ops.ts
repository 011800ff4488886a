/**
 * What the parser hands to a connection: the operation codes, the reused argument record for
 * messages, and the handler interface a connection implements.
 *
 * Invariant: a `MsgArgs` record, and the bytes it points at, are valid only during the
 * handler call. Both may point into the connection's read buffer, which is refilled by the
 * next read, so a handler that keeps anything must copy it.
 */

export const enum Op {
  Connect = 1,
  Pub,
  Hpub,
  Sub,
  Unsub,
  Ping,
  Pong,
  Info,
  Ok,
  Err,
  /** Leaf connections only: `LS+`, `LS-`, `LMSG` and the leaf form of `HMSG`. */
  LeafSub,
  LeafUnsub,
  LeafMsg,
  LeafHmsg,
}

/** Argument offsets of the current PUB/HPUB, into `buf`. Reused for every message. */
export interface MsgArgs {
  buf: Uint8Array;
  subjectStart: number;
  subjectEnd: number;
  /** `replyStart === replyEnd` when the message has no reply subject. */
  replyStart: number;
  replyEnd: number;
  /** Size of the header block, or -1 for a message without headers (PUB). */
  headerSize: number;
  /** Total payload size, header block included. */
  size: number;
  /** Where the payload (header block first) lies: `payloadBuf[payloadStart, payloadStart + size)`. */
  payloadBuf: Uint8Array;
  payloadStart: number;
}

export function newMsgArgs(): MsgArgs {
  return {
    buf: new Uint8Array(0),
    subjectStart: 0,
    subjectEnd: 0,
    replyStart: 0,
    replyEnd: 0,
    headerSize: -1,
    size: 0,
    payloadBuf: new Uint8Array(0),
    payloadStart: 0,
  };
}

/** A parse failure: the connection sends `-ERR '<errText>'` (when set) and closes. */
export interface ParseFailure {
  /** The exact `-ERR` text to send, or null to close without one (as nats-server does). */
  readonly errText: string | null;
  /** For the log: what was wrong. */
  readonly detail: string;
}

export interface ClientOpHandler {
  onConnect(json: string): void;
  /** See the invariant above: `args` is valid only during this call. */
  onPub(args: MsgArgs): void;
  onSub(subject: string, queue: string | null, sid: string): void;
  onUnsub(sid: string, max: number): void;
  onPing(): void;
  onPong(): void;
  onInfo(json: string): void;
  onOk(): void;
  onErr(text: string): void;
  onParseError(failure: ParseFailure): void;
}

/**
 * A leaf node connection's handler: the client operations (CONNECT, INFO, PING, ...) plus the
 * leaf ones. A parser made for a leaf connection (`ClientParser.forLeaf`) calls these; a client
 * parser treats the leaf operations as unknown.
 */
export interface LeafOpHandler extends ClientOpHandler {
  /** `LS+ <subject> [<queue> <weight>]`: the peer's interest appeared (or a queue weight changed). */
  onLeafSub(subject: string, queue: string | null, weight: number): void;
  /** `LS- <subject> [<queue>]`: the peer's interest went away. */
  onLeafUnsub(subject: string, queue: string | null): void;
  /**
   * `LMSG`/`HMSG` from the peer. `queues` names the queue groups the sender chose this message
   * for; empty means plain subscribers only. Both are valid only during this call.
   */
  onLeafMsg(args: MsgArgs, queues: readonly string[]): void;
}
