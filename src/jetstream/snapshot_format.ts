/**
 * Skiff's stream snapshot payload: JSON lines, one record a line, in this order:
 *
 *   {"skiff_snapshot":1,"config":{…},"created":ns,"first_seq":n,"last_seq":n}
 *   {"consumer":{"name":…,"meta":"<base64>","state":{…}}}        (zero or more)
 *   {"msg":[seq,ts,"subject","<base64 headers>"|null,"<base64 data>",ttl]}  (zero or more)
 *   {"end":{"msgs":n,"consumers":n}}
 *
 * The wire flow around it is nats-server's (see api_snapshot.ts); the bytes are not its tar
 * of a file store, so a Skiff snapshot restores into Skiff only. The trailer makes a
 * truncated upload an error instead of a silently shorter stream.
 */
import { decodeBase64, encodeBase64 } from "../util/base64.ts";
import { decodeUtf8, encodeUtf8 } from "../util/bytes.ts";
import type { ConsumerState } from "./store/consumer_state.ts";
import type { StoredMessage } from "./store/mod.ts";
import type { StreamConfig } from "./types.ts";

export const SNAPSHOT_VERSION = 1;

export interface SnapshotHeader {
  config: StreamConfig;
  /** ns */
  created: number;
  firstSeq: number;
  lastSeq: number;
}

export interface SnapshotConsumer {
  name: string;
  meta: Uint8Array;
  state: ConsumerState;
}

export interface SnapshotMsg {
  seq: number;
  ts: number;
  subject: string;
  headers: Uint8Array | null;
  data: Uint8Array;
  ttl: number;
}

export interface Snapshot {
  header: SnapshotHeader;
  consumers: SnapshotConsumer[];
  msgs: SnapshotMsg[];
}

const NL = 0x0a;

function line(record: unknown): Uint8Array {
  return encodeUtf8(JSON.stringify(record) + "\n");
}

export function encodeHeader(h: SnapshotHeader): Uint8Array {
  return line({
    skiff_snapshot: SNAPSHOT_VERSION,
    config: h.config,
    created: h.created,
    first_seq: h.firstSeq,
    last_seq: h.lastSeq,
  });
}

export function encodeConsumer(c: SnapshotConsumer): Uint8Array {
  const s = c.state;
  return line({
    consumer: {
      name: c.name,
      meta: encodeBase64(c.meta),
      state: {
        delivered: [s.delivered.consumerSeq, s.delivered.streamSeq],
        ack_floor: [s.ackFloor.consumerSeq, s.ackFloor.streamSeq],
        pending: [...s.pending].map(([sseq, p]) => [sseq, p.consumerSeq, p.ts]),
        redelivered: [...s.redelivered],
      },
    },
  });
}

export function encodeMsg(m: StoredMessage): Uint8Array {
  return line({
    msg: [
      m.seq,
      m.ts,
      m.subject,
      m.headers === null || m.headers.length === 0 ? null : encodeBase64(m.headers),
      encodeBase64(m.payload),
      m.ttl,
    ],
  });
}

export function encodeTrailer(msgs: number, consumers: number): Uint8Array {
  return line({ end: { msgs, consumers } });
}

/** Parses a whole snapshot; throws an Error naming what is wrong. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  let header: SnapshotHeader | null = null;
  const consumers: SnapshotConsumer[] = [];
  const msgs: SnapshotMsg[] = [];
  let ended = false;
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NL, start);
    if (end < 0) end = bytes.length;
    const text = decodeUtf8(bytes.subarray(start, end));
    start = end + 1;
    lineNo++;
    if (text.trim() === "") continue;
    if (ended) throw new Error("snapshot has data after its end");
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(text);
    } catch {
      throw new Error(`snapshot line ${lineNo} is not valid`);
    }
    if (header === null) {
      if (rec?.skiff_snapshot !== SNAPSHOT_VERSION) throw new Error("not a Skiff snapshot");
      const config = rec.config as StreamConfig | undefined;
      if (config === undefined || typeof config !== "object") {
        throw new Error("snapshot has no stream config");
      }
      header = {
        config,
        created: num(rec.created),
        firstSeq: num(rec.first_seq),
        lastSeq: num(rec.last_seq),
      };
    } else if (Array.isArray(rec.msg)) {
      const [seq, ts, subject, hdr, data, ttl] = rec.msg as unknown[];
      if (typeof subject !== "string" || typeof data !== "string") {
        throw new Error(`snapshot line ${lineNo} is not a message`);
      }
      msgs.push({
        seq: num(seq),
        ts: num(ts),
        subject,
        headers: typeof hdr === "string" ? decodeBase64(hdr) : null,
        data: decodeBase64(data),
        ttl: num(ttl),
      });
    } else if (rec.consumer !== undefined) {
      consumers.push(decodeConsumer(rec.consumer as Record<string, unknown>, lineNo));
    } else if (rec.end !== undefined) {
      const e = rec.end as { msgs?: unknown; consumers?: unknown };
      if (num(e.msgs) !== msgs.length || num(e.consumers) !== consumers.length) {
        throw new Error("snapshot is incomplete");
      }
      ended = true;
    } else {
      throw new Error(`snapshot line ${lineNo} is not understood`);
    }
  }
  if (header === null) throw new Error("snapshot is empty");
  if (!ended) throw new Error("snapshot is truncated");
  return { header, consumers, msgs };
}

function decodeConsumer(c: Record<string, unknown>, lineNo: number): SnapshotConsumer {
  const s = c?.state as Record<string, unknown> | undefined;
  if (typeof c?.name !== "string" || typeof c.meta !== "string" || s === undefined) {
    throw new Error(`snapshot line ${lineNo} is not a consumer`);
  }
  const pair = (v: unknown) => {
    const [consumerSeq, streamSeq] = Array.isArray(v) ? v : [];
    return { consumerSeq: num(consumerSeq), streamSeq: num(streamSeq) };
  };
  const pending = new Map<number, { consumerSeq: number; ts: number }>();
  for (const p of (s.pending as unknown[][] | undefined) ?? []) {
    pending.set(num(p[0]), { consumerSeq: num(p[1]), ts: num(p[2]) });
  }
  const redelivered = new Map<number, number>();
  for (const r of (s.redelivered as unknown[][] | undefined) ?? []) {
    redelivered.set(num(r[0]), num(r[1]));
  }
  return {
    name: c.name,
    meta: decodeBase64(c.meta),
    state: { delivered: pair(s.delivered), ackFloor: pair(s.ack_floor), pending, redelivered },
  };
}

function num(v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new Error("snapshot field is not a number");
  }
  return v;
}
