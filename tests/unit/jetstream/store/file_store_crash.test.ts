/**
 * Power loss and process kill against FileStore on the in-memory FileSystem: operations are
 * issued in bursts without waiting, the machine "crashes" at a seeded random point (unsynced
 * writes partly kept, the next one torn), and the store is reopened on what survived. Checked
 * every cycle: every store whose promise resolved is present at its sequence with its content,
 * nothing appears that was never written, every acknowledged removal / purge stays done,
 * sequences are never reused, and consumer state is one the consumer actually went through, no
 * older than the last acknowledged update. Small segments make rollovers, segment drops and
 * compactions happen during the crashes too.
 */

import assert from "node:assert/strict";
import { FileStore } from "../../../../src/jetstream/store/file_store.ts";
import type { ConsumerState } from "../../../../src/jetstream/store/consumer_state.ts";
import { MemoryFileSystem } from "../../../../src/platform/memory_fs.ts";
import { dec, enc, prng } from "./_harness.ts";

const OPTS = { maxSegmentBytes: 1024, compactMinBytes: 256, expiryTimer: false };
const EXPLICIT = { ackPolicy: "explicit", maxDeliver: -1 } as const;

interface Issued {
  subject: string;
  body: string;
  acked: boolean;
  /** A removal (remove, erase, purge, compact) was issued / acknowledged. */
  removeIssued: boolean;
  removeAcked: boolean;
}

function stateKey(s: ConsumerState): string {
  const pending = [...s.pending].sort((a, b) => a[0] - b[0]).map(([k, v]) =>
    `${k}:${v.consumerSeq}`
  );
  return JSON.stringify([s.delivered, s.ackFloor, pending, [...s.redelivered].sort()]);
}

async function yieldTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

async function crashCycles(seed: number, kind: "power" | "process"): Promise<void> {
  const rand = prng(seed);
  const fs = new MemoryFileSystem();
  const msgs = new Map<number, Issued>();
  let store = await FileStore.open(fs.mount(), "/streams/s", {}, OPTS);
  let maxAckedSeq = 0;
  for (let cycle = 0; cycle < 6; cycle++) {
    const consumer = await store.consumerStore("c", EXPLICIT);
    const history: string[] = [stateKey(consumer.state())];
    let lastAckedHistory = 0;
    let dseq = consumer.state().delivered.consumerSeq;
    const ops: Promise<unknown>[] = [];
    const bursts = 3 + Math.floor(rand() * 6);
    for (let b = 0; b < bursts; b++) {
      const n = 1 + Math.floor(rand() * 30);
      for (let i = 0; i < n; i++) {
        const r = rand();
        const live = [...msgs].filter(([, m]) => !m.removeIssued).map(([seq]) => seq);
        if (r < 0.55 || live.length === 0) {
          const seq = store.state().lastSeq + 1;
          const entry: Issued = {
            subject: `s.${Math.floor(rand() * 4)}`,
            body: `c${cycle}-${seq}-${"x".repeat(Math.floor(rand() * 120))}`,
            acked: false,
            removeIssued: false,
            removeAcked: false,
          };
          msgs.set(seq, entry);
          ops.push(
            store.storeMsg(entry.subject, null, enc.encode(entry.body)).then((res) => {
              assert.equal(res.seq, seq);
              entry.acked = true;
              maxAckedSeq = Math.max(maxAckedSeq, seq);
            }),
          );
        } else if (r < 0.8) {
          const seq = live[Math.floor(rand() * live.length)];
          const m = msgs.get(seq)!;
          m.removeIssued = true;
          const p = rand() < 0.5 ? store.removeMsg(seq) : store.eraseMsg(seq);
          ops.push(p.then(() => void (m.removeAcked = true)));
        } else if (r < 0.82) {
          const upTo = live[Math.floor(rand() * live.length)];
          const victims = [...msgs].filter(([seq]) => seq < upTo).map(([, m]) => m);
          for (const m of victims) m.removeIssued = true;
          ops.push(store.compact(upTo).then(() => victims.forEach((m) => (m.removeAcked = true))));
        } else {
          const seq = live[Math.floor(rand() * live.length)];
          const st = consumer.state();
          const p = st.pending.size > 0 && rand() < 0.5
            ? consumer.updateAcks(
              st.pending.get([...st.pending.keys()][0])!.consumerSeq,
              [...st.pending.keys()][0],
            )
            : seq > st.delivered.streamSeq
            ? consumer.updateDelivered(++dseq, seq, 1, seq)
            : null;
          if (p === null) continue;
          history.push(stateKey(consumer.state()));
          const at = history.length - 1;
          ops.push(p.then(() => void (lastAckedHistory = Math.max(lastAckedHistory, at))));
        }
      }
      await yieldTurns(Math.floor(rand() * 12));
    }
    const settled = Promise.allSettled(ops);
    fs.crash(kind === "power" ? { rng: rand, tornWrites: true } : { kind: "process" });
    await settled;
    await store.close().catch(() => {});

    store = await FileStore.open(fs.mount(), "/streams/s", {}, OPTS);
    const st = store.state();
    assert.equal(store.recovery.lost, null, `seed ${seed} cycle ${cycle}: nothing is damaged`);
    assert.ok(st.lastSeq >= maxAckedSeq, "sequences are never reused");
    for (const [seq, m] of msgs) {
      const got = await store.loadMsg(seq);
      const where = `seed ${seed} cycle ${cycle} seq ${seq}`;
      if (m.removeAcked) assert.equal(got, null, `${where}: acknowledged removal undone`);
      else if (m.acked && !m.removeIssued) {
        assert.notEqual(got, null, `${where}: acknowledged store lost`);
      }
      if (got !== null) {
        assert.equal(got.subject, m.subject, where);
        assert.equal(dec.decode(got.payload), m.body, where);
      }
    }
    for (let seq = st.firstSeq; seq <= st.lastSeq; seq++) {
      if (!msgs.has(seq)) {
        assert.equal(await store.loadMsg(seq), null, `seq ${seq} was never written`);
      }
    }
    const back = stateKey((await store.consumerStore("c", EXPLICIT)).state());
    const at = history.lastIndexOf(back);
    assert.ok(at >= lastAckedHistory, `seed ${seed} cycle ${cycle}: consumer state went back`);
    // What survived is the truth from now on.
    for (const [seq, m] of [...msgs]) {
      if (store.state().msgs === 0 || !(await store.loadMsg(seq))) msgs.delete(seq);
      else Object.assign(m, { acked: true, removeIssued: false, removeAcked: false });
    }
  }
  await store.close();
}

for (let seed = 1; seed <= 12; seed++) {
  Deno.test(`FileStore crash: power loss at random points keeps everything acknowledged (seed ${seed})`, () =>
    crashCycles(seed, "power"));
}

for (let seed = 100; seed <= 102; seed++) {
  Deno.test(`FileStore crash: after a process kill acked messages, removals and ack floors hold (seed ${seed})`, () =>
    crashCycles(seed, "process"));
}
