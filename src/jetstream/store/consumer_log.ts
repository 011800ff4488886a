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
  recordLength,
  utf8Length,
  verifyRecord,
  writeRecord,
} from "./record.ts";
import { StoreError } from "./store.ts";

export const CONSUMER_LOG_FILE = "consumers.log";
const COMPACT_MIN_BYTES = 1 << 20;

export interface SavedConsumer {
  state: ConsumerState;
  meta: Uint8Array | null;
}

/** One group commit's records, encoded back to back into one growing buffer. */
interface Batch {
  buf: Uint8Array;
  length: number;
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
  #gc: GroupCommit<Batch>;
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
    this.#gc = new GroupCommit<Batch>(
      () => ({ buf: new Uint8Array(0), length: 0 }),
      (batch) => this.#commit(batch),
    );
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
    // Copied into the batch right away, so the per-delivery and per-ack changes can be encoded
    // into a reused scratch buffer.
    const payload = change.op === "deliver" || change.op === "ack"
      ? encodeChange(change, SCRATCH)
      : encodeChange(change);
    const subjectLength = utf8Length(name);
    const batch = this.#gc.batch();
    const need = batch.length + recordLength(subjectLength, 0, payload.length);
    if (need > batch.buf.length) {
      const grown = new Uint8Array(Math.max(need, batch.buf.length * 2, 4096));
      grown.set(batch.buf.subarray(0, batch.length));
      batch.buf = grown;
    }
    batch.length = writeRecord(batch.buf, batch.length, {
      kind: RecordKind.Consumer,
      seq: ++this.#seq,
      ts: 0,
      ttl: 0,
      subject: name,
      subjectLength,
      headers: null,
      payload,
    });
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

  async #commit(batch: Batch): Promise<void> {
    const total = batch.length;
    await this.#handle.writeAt(batch.buf.subarray(0, total), this.#size);
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

interface Scratch {
  deliver: Uint8Array;
  deliverView: DataView;
  ack: Uint8Array;
  ackView: DataView;
}

function scratch(): Scratch {
  const deliver = new Uint8Array(2 + 8 * 8);
  const ack = new Uint8Array(2 + 3 * 8);
  return {
    deliver,
    deliverView: new DataView(deliver.buffer),
    ack,
    ackView: new DataView(ack.buffer),
  };
}

const SCRATCH = scratch();

/** A change of `count` numbers: op byte, flag byte, then the numbers as float64. */
function numsOut(op: ConsumerChange["op"], flag: number, count: number, reuse?: Scratch) {
  let out: Uint8Array;
  let view: DataView;
  if (reuse !== undefined && op === "deliver") out = reuse.deliver, view = reuse.deliverView;
  else if (reuse !== undefined && op === "ack") out = reuse.ack, view = reuse.ackView;
  else out = new Uint8Array(2 + count * 8), view = new DataView(out.buffer);
  out[0] = OPS.indexOf(op);
  out[1] = flag;
  return { out, view };
}

/**
 * Encodes a change. With `reuse`, "deliver" and "ack" changes are written into its shared
 * buffers (valid until the next such call).
 */
export function encodeChange(c: ConsumerChange, reuse?: Scratch): Uint8Array {
  const nums: number[] = [];
  const flag = 0; // state and delete carry no flag
  switch (c.op) {
    case "deliver": {
      // The hot paths (one per delivery, one per ack) write their numbers directly.
      const { out, view } = numsOut(c.op, PENDING_OPS.indexOf(c.pending), 8, reuse);
      view.setFloat64(2, c.dseq);
      view.setFloat64(10, c.sseq);
      view.setFloat64(18, c.ts);
      view.setFloat64(26, c.delivered.consumerSeq);
      view.setFloat64(34, c.delivered.streamSeq);
      view.setFloat64(42, c.ackFloor.consumerSeq);
      view.setFloat64(50, c.ackFloor.streamSeq);
      view.setFloat64(58, c.redelivered);
      return out;
    }
    case "ack": {
      const { out, view } = numsOut(c.op, c.upTo ? 1 : 0, 3, reuse);
      view.setFloat64(2, c.sseq);
      view.setFloat64(10, c.ackFloor.consumerSeq);
      view.setFloat64(18, c.ackFloor.streamSeq);
      return out;
    }
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
