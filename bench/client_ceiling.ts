/**
 * The bench client's own ceiling: how fast this process can push pre-encoded PUB frames to a
 * peer that only discards them, and how fast it can read and scan MSG frames from a peer that
 * only sends them (plus the pure in-memory scan rate). Scenario rates close to these figures
 * say more about the client than about the server, and the report flags them.
 */

import type { PeerReport, PeerRequest } from "./ceiling_peer_worker.ts";
import { FrameScanner } from "./frame_scanner.ts";
import { payloadOf, PubBatch } from "./pub_batch.ts";
import type { CeilingRef } from "./scenarios/types.ts";

const ENCODER = new TextEncoder();
/** A rate at or above this share of the client ceiling is flagged as possibly client-bound. */
export const CLIENT_BOUND_SHARE = 0.7;

export interface CeilingFigure {
  payloadBytes: number;
  /** PUB frames/s pushed to a discarding peer over loopback. */
  publishPerSecond: number;
  /** MSG frames/s read and scanned from a sending peer over loopback. */
  receivePerSecond: number;
  /** MSG frames/s scanned from memory, no socket. */
  scanPerSecond: number;
}

/** A chunk of ~256 KiB of `MSG bench.deliver 1 <size>` frames and its frame count. */
function msgChunk(size: number): { chunk: Uint8Array; frames: number } {
  const head = ENCODER.encode(`MSG bench.deliver 1 ${size}\r\n`);
  const frameLength = head.length + size + 2;
  const frames = Math.max(1, Math.floor(256 * 1024 / frameLength));
  const chunk = new Uint8Array(frames * frameLength);
  const payload = payloadOf(size);
  for (let k = 0; k < frames; k++) {
    const at = k * frameLength;
    chunk.set(head, at);
    chunk.set(payload, at + head.length);
    chunk.set([13, 10], at + head.length + size);
  }
  return { chunk, frames };
}

/** Starts a peer worker; resolves with its port and a promise of its final report. */
async function startPeer(request: PeerRequest): Promise<{ port: number; done: Promise<number> }> {
  const worker = new Worker(new URL("./ceiling_peer_worker.ts", import.meta.url), {
    type: "module",
  });
  let onDone: (bytes: number) => void = () => {};
  const done = new Promise<number>((resolve) => onDone = resolve);
  const port = await new Promise<number>((resolve, reject) => {
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`ceiling peer failed: ${e.message}`));
    };
    worker.onmessage = (e: MessageEvent<PeerReport>) => {
      if (e.data.type === "listening") resolve(e.data.port);
      else {
        onDone(e.data.bytes);
        worker.terminate();
      }
    };
    worker.postMessage(request);
  });
  return { port, done };
}

async function measurePublish(size: number, millis: number): Promise<number> {
  const peer = await startPeer({ mode: "sink" });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  conn.setNoDelay(true);
  const batch = PubBatch.forSubject("bench.pub", size);
  let frames = 0;
  const t0 = performance.now();
  const end = t0 + millis;
  while (performance.now() < end) {
    for (let off = 0; off < batch.chunk.length;) off += await conn.write(batch.chunk.subarray(off));
    frames += batch.frames;
  }
  conn.close();
  await peer.done;
  return frames / ((performance.now() - t0) / 1000);
}

async function measureReceive(size: number, millis: number): Promise<number> {
  const { chunk } = msgChunk(size);
  const peer = await startPeer({ mode: "source", chunk, millis });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: peer.port });
  const scanner = new FrameScanner();
  const buf = new Uint8Array(1024 * 1024);
  let t0 = NaN;
  while (true) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    if (Number.isNaN(t0)) t0 = performance.now();
    scanner.scan(buf, n);
  }
  const seconds = (performance.now() - t0) / 1000;
  conn.close();
  await peer.done;
  return scanner.messages / seconds;
}

function measureScan(size: number, millis: number): number {
  const { chunk, frames } = msgChunk(size);
  const scanner = new FrameScanner();
  const piece = 64 * 1024;
  let total = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < millis) {
    // Feed in 64 KiB pieces so control lines and payloads get split like real reads.
    for (let off = 0; off < chunk.length; off += piece) {
      const view = chunk.subarray(off, Math.min(chunk.length, off + piece));
      scanner.scan(view, view.length);
    }
    total += frames;
  }
  return total / ((performance.now() - t0) / 1000);
}

/** Measures lazily, once per payload size, and caches the figures. */
export class ClientCeiling {
  #figures = new Map<number, CeilingFigure>();
  #millis: number;

  constructor(quick: boolean) {
    this.#millis = quick ? 300 : 700;
  }

  async figure(payloadBytes: number): Promise<CeilingFigure> {
    let f = this.#figures.get(payloadBytes);
    if (f === undefined) {
      // Best of two: the first pass also warms up the JIT, and a ceiling is a best case.
      const ms = this.#millis;
      f = {
        payloadBytes,
        publishPerSecond: Math.max(
          await measurePublish(payloadBytes, ms),
          await measurePublish(payloadBytes, ms),
        ),
        receivePerSecond: Math.max(
          await measureReceive(payloadBytes, ms),
          await measureReceive(payloadBytes, ms),
        ),
        scanPerSecond: Math.max(measureScan(payloadBytes, ms), measureScan(payloadBytes, ms)),
      };
      this.#figures.set(payloadBytes, f);
    }
    return f;
  }

  /** The rate (in the metric's unit) at which the client alone would saturate. */
  async limitFor(ref: CeilingRef): Promise<number> {
    const f = await this.figure(ref.payloadBytes);
    const secondsPerUnit = ref.publishFrames / f.publishPerSecond +
      ref.receiveFrames / f.receivePerSecond;
    return 1 / secondsPerUnit;
  }

  all(): CeilingFigure[] {
    return [...this.#figures.values()].sort((a, b) => a.payloadBytes - b.payloadBytes);
  }
}
