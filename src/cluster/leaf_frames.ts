/**
 * One LMSG per message per link. The publisher's fan-out calls a link once per matching
 * subscription of the peer's (a plain one, overlapping wildcards, several queue groups), yet
 * the message must cross once, as one frame naming every queue group it is meant for: the peer
 * delivers an LMSG to all its plain subscribers, so a second frame would deliver twice.
 *
 * The writer remembers the frame it encoded last: the argument record, its offsets and the
 * delivery epoch name the message (see `deliveryEpoch`). A further queue group for the same
 * message rewrites that frame in place; a further plain match is already covered.
 */
import type { Outbound } from "../conn/outbound.ts";
import type { MsgArgs } from "../protocol/ops.ts";
import { encodeLeafMsg } from "../protocol/encode.ts";
import { deliveryEpoch } from "./leaf_deliver.ts";

const NO_QUEUES: readonly Uint8Array[] = [];

export class LeafFrameWriter {
  /** The peer takes HMSG; false strips header blocks. */
  peerHeaders = false;
  #out: Outbound;
  #args: MsgArgs | null = null;
  #payloadBuf: Uint8Array | null = null;
  #payloadStart = 0;
  #subjectStart = 0;
  #epoch = -1;
  #queues: readonly Uint8Array[] = NO_QUEUES;
  /** Where the last frame lies in `#buf` (the outbound buffer it was written into). */
  #buf: Uint8Array | null = null;
  #start = 0;
  #end = 0;

  constructor(out: Outbound) {
    this.#out = out;
  }

  /** Is `args` the message the last frame carries? */
  isLast(args: MsgArgs): boolean {
    return this.#args === args && this.#epoch === deliveryEpoch() &&
      this.#payloadBuf === args.payloadBuf && this.#payloadStart === args.payloadStart &&
      this.#subjectStart === args.subjectStart;
  }

  /** Writes a new frame for `args`, for plain interest (`queue` null) or one queue group. */
  write(args: MsgArgs, queue: Uint8Array | null): void {
    const out = this.#out;
    this.#args = args;
    this.#epoch = deliveryEpoch();
    this.#payloadBuf = args.payloadBuf;
    this.#payloadStart = args.payloadStart;
    this.#subjectStart = args.subjectStart;
    this.#queues = queue === null ? NO_QUEUES : [queue];
    this.#start = encodeLeafMsg(out, args, this.#queues, this.peerHeaders);
    this.#end = out.length;
    this.#buf = out.buf;
  }

  /**
   * Adds a queue group to the last frame (which must carry `args`); false when nothing had to
   * change (a plain match, or a group already named).
   */
  join(args: MsgArgs, queue: Uint8Array | null): boolean {
    if (queue === null || this.#queues.includes(queue)) return false;
    this.#queues = [...this.#queues, queue];
    const out = this.#out;
    if (out.buf !== this.#buf || out.length < this.#end) {
      // Written out already (cannot happen within one synchronous fan-out): another frame.
      this.#start = encodeLeafMsg(out, args, this.#queues, this.peerHeaders);
      this.#end = out.length;
    } else {
      const tail = this.#end < out.length ? out.buf.slice(this.#end, out.length) : null;
      out.length = this.#start;
      encodeLeafMsg(out, args, this.#queues, this.peerHeaders);
      this.#end = out.length;
      if (tail !== null) out.append(tail);
    }
    this.#buf = out.buf;
    return true;
  }
}
