/**
 * Durable consumer state for a FileStore stream: one append-only log (`consumers.log`) shared by
 * all the stream's consumers, so one group commit (one write, one fsync) covers every consumer
 * update made in the same turn. Each record is a `ConsumerChange` (framed like message records:
 * subject = consumer name); replaying them in order rebuilds every consumer exactly.
 *
 * When the log grows past a few times its last snapshot, it is rewritten as one snapshot per
 * consumer (temp file, sync, rename, directory sync). Changes are absolute (idempotent), so a
 * snapshot that already includes changes still waiting in the open batch replays correctly.
 */

import type { FileHandle, FileSystem } from "../../platform/types.ts";
import { writeFileAtomic } from "./atomic_file.ts";
import {
  applyChange,
  type ConsumerChange,
  type ConsumerChangeSink,
  type ConsumerState,
  emptyConsumerState,
  type PendingOp,
} from "./consumer_state.ts";
import { GroupCommit } from "./group_commit.ts";
import {
  decodeMsgBody,
  encodeRecord,
  findNextHeader,
  readHeader,
  RecordKind,
  utf8Length,
  verifyRecord,
} from "./record.ts";
import { StoreError } from "./store.ts";

export const CONSUMER_LOG_FILE = "consumers.log";
const COMPACT_MIN_BYTES = 1 << 20;

export interface SavedConsumer {
  state: ConsumerState;
  meta: Uint8Array | null;
}

export interface ConsumerLogReport {
  consumers: number;
  /** Records skipped as damaged (their changes are lost). */
  damagedRecords: number;
  truncatedBytes: number;
}

export class ConsumerLog implements ConsumerChangeSink {
  #fs: FileSystem;
  #dir: string;
  #handle: FileHandle;
  #size: number;
  #snapshotSize: number;
  #seq = 0;
  #gc: GroupCommit<Uint8Array[]>;
  /** Where each consumer's current state comes from (its store, or what was restored). */
  #sources = new Map<string, () => SavedConsumer>();
  #compactQueued = false;
  #closed = false;

  private constructor(fs: FileSystem, dir: string, handle: FileHandle, size: number) {
    this.#fs = fs;
    this.#dir = dir;
    this.#handle = handle;
    this.#size = size;
    this.#snapshotSize = size;
    this.#gc = new GroupCommit<Uint8Array[]>(() => [], (records) => this.#commit(records));
  }

  static async open(
    fs: FileSystem,
    dir: string,
  ): Promise<
    { log: ConsumerLog; restored: Map<string, SavedConsumer>; report: ConsumerLogReport }
  > {
    const path = `${dir}/${CONSUMER_LOG_FILE}`;
    const existed = await fs.stat(path) !== null;
    const bytes = existed ? await fs.readFile(path) : new Uint8Array(0);
    const { restored, validEnd, damagedRecords } = replay(bytes);
    const handle = await fs.open(path, { create: true });
    if (validEnd < bytes.length) {
      await handle.truncate(validEnd);
      await handle.sync();
    }
    if (!existed) await fs.syncDir(dir);
    const log = new ConsumerLog(fs, dir, handle, validEnd);
    for (const [name, saved] of restored) log.#sources.set(name, () => saved);
    const report = {
      consumers: restored.size,
      damagedRecords,
      truncatedBytes: bytes.length - validEnd,
    };
    return { log, restored, report };
  }

  /** Registers where consumer `name`'s live state can be read (for snapshots). */
  register(name: string, source: () => SavedConsumer): void {
    this.#sources.set(name, source);
  }

  persist(name: string, change: ConsumerChange): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreError("closed"));
    if (change.op === "delete") this.#sources.delete(name);
    this.#gc.batch().push(encodeRecord({
      kind: RecordKind.Consumer,
      seq: ++this.#seq,
      ts: 0,
      ttl: 0,
      subject: name,
      subjectLength: utf8Length(name),
      headers: null,
      payload: encodeChange(change),
    }));
    return this.#gc.durable();
  }

  forget(name: string): void {
    this.#sources.delete(name);
  }

  async close(): Promise<void> {
    this.#closed = true;
    try {
      await this.#gc.durable();
      await this.#gc.idle();
    } finally {
      await this.#handle.close();
    }
  }

  async #commit(records: Uint8Array[]): Promise<void> {
    const total = records.reduce((n, r) => n + r.length, 0);
    const buf = new Uint8Array(total);
    let p = 0;
    for (const r of records) buf.set(r, p), p += r.length;
    await this.#handle.writeAt(buf, this.#size);
    await this.#handle.sync();
    this.#size += total;
    if (!this.#compactQueued && this.#size > Math.max(COMPACT_MIN_BYTES, this.#snapshotSize * 4)) {
      this.#compactQueued = true;
      this.#gc.task(() => this.#compact()).catch(() => {});
    }
  }

  async #compact(): Promise<void> {
    this.#compactQueued = false;
    const records: Uint8Array[] = [];
    for (const [name, source] of this.#sources) {
      const { state, meta } = source();
      for (const change of [{ op: "state", state }, meta && { op: "meta", meta }]) {
        if (!change) continue;
        records.push(encodeRecord({
          kind: RecordKind.Consumer,
          seq: ++this.#seq,
          ts: 0,
          ttl: 0,
          subject: name,
          subjectLength: utf8Length(name),
          headers: null,
          payload: encodeChange(change as ConsumerChange),
        }));
      }
    }
    const buf = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
    let p = 0;
    for (const r of records) buf.set(r, p), p += r.length;
    await writeFileAtomic(this.#fs, this.#dir, CONSUMER_LOG_FILE, buf);
    const old = this.#handle;
    this.#handle = await this.#fs.open(`${this.#dir}/${CONSUMER_LOG_FILE}`, { create: false });
    this.#size = buf.length;
    this.#snapshotSize = buf.length;
    await old.close();
  }
}

function replay(bytes: Uint8Array) {
  const restored = new Map<string, SavedConsumer>();
  let damagedRecords = 0;
  let validEnd = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const h = readHeader(bytes, pos);
    if (h === null || pos + h.length > bytes.length || !verifyRecord(bytes, pos, h)) {
      const next = h !== null && pos + h.length <= bytes.length
        ? pos + h.length
        : findNextHeader(bytes, pos + 1);
      if (next < 0) break; // a torn tail: nothing valid follows
      damagedRecords++;
      pos = next;
      continue;
    }
    if (h.kind === RecordKind.Consumer) {
      const { subject: name, payload } = decodeMsgBody(bytes, pos, h);
      const change = decodeChange(payload);
      let saved = restored.get(name);
      if (change.op === "delete") restored.delete(name);
      else {
        if (saved === undefined) {
          restored.set(name, saved = { state: emptyConsumerState(), meta: null });
        }
        if (change.op === "meta") saved.meta = change.meta.slice();
        else applyChange(saved.state, change);
      }
    }
    pos += h.length;
    validEnd = pos;
  }
  return { restored, validEnd, damagedRecords };
}

const OPS = ["deliver", "ack", "state", "meta", "delete"] as const;
const PENDING_OPS: PendingOp[] = ["none", "add", "touch", "remove"];

export function encodeChange(c: ConsumerChange): Uint8Array {
  const nums: number[] = [];
  let flag = 0;
  switch (c.op) {
    case "deliver":
      flag = PENDING_OPS.indexOf(c.pending);
      nums.push(c.dseq, c.sseq, c.ts, c.delivered.consumerSeq, c.delivered.streamSeq);
      nums.push(c.ackFloor.consumerSeq, c.ackFloor.streamSeq, c.redelivered);
      break;
    case "ack":
      flag = c.upTo ? 1 : 0;
      nums.push(c.sseq, c.ackFloor.consumerSeq, c.ackFloor.streamSeq);
      break;
    case "state": {
      const s = c.state;
      nums.push(s.delivered.consumerSeq, s.delivered.streamSeq);
      nums.push(s.ackFloor.consumerSeq, s.ackFloor.streamSeq, s.pending.size);
      for (const [seq, p] of s.pending) nums.push(seq, p.consumerSeq, p.ts);
      nums.push(s.redelivered.size);
      for (const [seq, n] of s.redelivered) nums.push(seq, n);
      break;
    }
    case "meta": {
      const out = new Uint8Array(2 + c.meta.length);
      out[0] = OPS.indexOf("meta");
      out.set(c.meta, 2);
      return out;
    }
    case "delete":
      break;
  }
  const out = new Uint8Array(2 + nums.length * 8);
  out[0] = OPS.indexOf(c.op);
  out[1] = flag;
  const view = new DataView(out.buffer);
  nums.forEach((n, i) => view.setFloat64(2 + i * 8, n));
  return out;
}

export function decodeChange(b: Uint8Array): ConsumerChange {
  const op = OPS[b[0]];
  if (op === "meta") return { op, meta: b.slice(2) };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 0;
  const next = () => view.getFloat64(2 + 8 * i++);
  const pair = () => ({ consumerSeq: next(), streamSeq: next() });
  switch (op) {
    case "deliver": {
      const dseq = next(), sseq = next(), ts = next();
      const delivered = pair();
      const ackFloor = pair();
      const redelivered = next();
      return {
        op,
        dseq,
        sseq,
        ts,
        delivered,
        ackFloor,
        pending: PENDING_OPS[b[1]] ?? "none",
        redelivered,
      };
    }
    case "ack": {
      const sseq = next();
      return { op, sseq, upTo: b[1] === 1, ackFloor: pair() };
    }
    case "state": {
      const state = emptyConsumerState();
      state.delivered = pair();
      state.ackFloor = pair();
      for (let n = next(); n > 0; n--) {
        const seq = next();
        state.pending.set(seq, { consumerSeq: next(), ts: next() });
      }
      for (let n = next(); n > 0; n--) {
        const seq = next();
        state.redelivered.set(seq, next());
      }
      return { op, state };
    }
    case "delete":
      return { op };
    default:
      throw new RangeError(`unknown consumer change op ${b[0]}`);
  }
}
