/**
 * Builds a `MsgArgs` record for a message that did not come from a parser: internal publishes
 * (system events, JetStream) and messages re-published across accounts by imports.
 */
import { type MsgArgs, newMsgArgs } from "../protocol/ops.ts";
import { encodeUtf8 } from "../util/bytes.ts";

const EMPTY = new Uint8Array(0);

/** `headers` is a complete NATS/1.0 header block, or null. */
export function msgArgsOf(
  subject: string,
  reply: string | null,
  headers: Uint8Array | null,
  payload: Uint8Array,
): MsgArgs {
  const line = encodeUtf8(reply ? `${subject} ${reply}` : subject);
  const subjectLen = reply ? line.length - encodeUtf8(reply).length - 1 : line.length;
  const args = newMsgArgs();
  args.buf = line;
  args.subjectStart = 0;
  args.subjectEnd = subjectLen;
  args.replyStart = reply ? subjectLen + 1 : 0;
  args.replyEnd = reply ? line.length : 0;
  if (headers !== null && headers.length > 0) {
    const all = new Uint8Array(headers.length + payload.length);
    all.set(headers);
    all.set(payload, headers.length);
    args.headerSize = headers.length;
    args.payloadBuf = all;
    args.size = all.length;
  } else {
    args.headerSize = -1;
    args.payloadBuf = payload.length > 0 ? payload : EMPTY;
    args.size = payload.length;
  }
  args.payloadStart = 0;
  return args;
}

/** A copy of `args` with another subject and reply (imports and mappings rewrite both). */
export function withSubject(args: MsgArgs, subject: string, reply: string | null): MsgArgs {
  const copy = msgArgsOf(subject, reply, null, EMPTY);
  copy.headerSize = args.headerSize;
  copy.size = args.size;
  copy.payloadBuf = args.payloadBuf;
  copy.payloadStart = args.payloadStart;
  return copy;
}
