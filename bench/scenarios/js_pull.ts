/**
 * `js-pull`: pull consumption with explicit acks from a pre-filled file-backed stream, through
 * the raw wire client (`js_wire.ts`).
 *
 * Untimed setup: fill the stream with jsPullCount messages of 16 B or --size bytes (JS_WINDOW
 * publishes in flight), then create a durable pull consumer (`ack_policy: explicit`). Timed:
 * fetch batches of PULL_BATCH (`PUB $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>` with
 * `{"batch":N,"expires":ns}` and a reply inbox), ack every message by publishing `+ACK` to its
 * reply subject (the acks of one socket read go out in one write), and send the next fetch
 * once the batch is complete. The clock stops when the last message has arrived and a PING
 * round trip says all acks were received; CONSUMER.INFO then checks (polling briefly, untimed)
 * that nothing is left pending.
 */

import { JS_WINDOW } from "./js_publish.ts";
import {
  createStream,
  joinNotes,
  JsWire,
  publishWindowed,
  statusOf,
  withJsServer,
} from "./js_wire.ts";
import {
  type Metric,
  perSecond,
  type Scenario,
  type ScenarioContext,
  shortNote,
  sizeLabel,
} from "./types.ts";

const ENCODER = new TextEncoder();
const STREAM = "PULLBENCH";
const CONSUMER = "PULL";
const SUBJECT = "js.pull.bench";
/** Messages per fetch. */
export const PULL_BATCH = 500;
/** How long one fetch may wait on the server, ns (the stream is full, so it never should). */
const FETCH_EXPIRES_NS = 5_000_000_000;

interface ConsumerInfo {
  num_ack_pending: number;
  num_pending: number;
  ack_floor: { stream_seq: number };
}

async function runPull(ctx: ScenarioContext): Promise<Metric[]> {
  return await withJsServer(ctx, async (server) => {
    const count = ctx.options.count ?? ctx.workload.jsPullCount;
    const size = ctx.options.size ?? 16;
    const wire = await JsWire.connect(server.port);
    try {
      await createStream(wire, STREAM, [SUBJECT]);
      const fill = await publishWindowed(wire, SUBJECT, size, count, JS_WINDOW, ctx.deadline);
      if (fill.acked < count) {
        throw new Error(`time cap hit while filling the stream: ${fill.acked} of ${count}`);
      }
      await wire.api(`$JS.API.CONSUMER.DURABLE.CREATE.${STREAM}.${CONSUMER}`, {
        stream_name: STREAM,
        config: {
          durable_name: CONSUMER,
          ack_policy: "explicit",
          deliver_policy: "all",
          max_ack_pending: PULL_BATCH * 4,
        },
      });

      const deliverTo = `${wire.inbox}.pull`;
      const nextSubject = `$JS.API.CONSUMER.MSG.NEXT.${STREAM}.${CONSUMER}`;
      const fetchFrame = (batch: number): Uint8Array => {
        const body = JSON.stringify({ batch, expires: FETCH_EXPIRES_NS });
        return ENCODER.encode(`PUB ${nextSubject} ${deliverTo} ${body.length}\r\n${body}\r\n`);
      };
      const fullFetch = fetchFrame(PULL_BATCH);
      let received = 0;
      let inBatch = 0;
      let batchSize = 0;
      let statuses = 0;
      let lastStatus = "";
      let acks: string[] = [];
      wire.subscribe(deliverTo, (reply, headers, payload) => {
        if (headers !== null && payload.length === 0 && reply === "") {
          // 404/408/409: the fetch ended without (all) messages.
          statuses++;
          lastStatus = statusOf(headers);
          inBatch = batchSize;
          return;
        }
        received++;
        inBatch++;
        acks.push(`PUB ${reply} 4\r\n+ACK\r\n`);
      });
      await wire.ping();

      const requestBatch = (): boolean => {
        const left = count - received;
        if (left <= 0 || performance.now() >= ctx.deadline) return false;
        batchSize = Math.min(PULL_BATCH, left);
        inBatch = 0;
        return true;
      };
      ctx.cpu.begin();
      const t0 = performance.now();
      requestBatch();
      wire.write(batchSize === PULL_BATCH ? fullFetch : fetchFrame(batchSize)).catch(() => {});
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          wire.afterRead = null;
          resolve();
        };
        wire.afterRead = () => {
          const more = inBatch >= batchSize && requestBatch();
          if (acks.length > 0 || more) {
            const ackBytes = ENCODER.encode(acks.join(""));
            acks = [];
            const fetch = !more
              ? new Uint8Array(0)
              : batchSize === PULL_BATCH
              ? fullFetch
              : fetchFrame(batchSize);
            const out = new Uint8Array(ackBytes.length + fetch.length);
            out.set(ackBytes);
            out.set(fetch, ackBytes.length);
            wire.write(out).catch(() => {});
          }
          if (wire.closed || received >= count || performance.now() >= ctx.deadline) finish();
        };
        const timer = setTimeout(finish, Math.max(0, ctx.deadline - performance.now()));
      });
      // Every ack has been written before this PING, so its PONG means they were processed.
      if (!wire.closed) await wire.ping();
      const ms = performance.now() - t0;
      ctx.cpu.end();
      if (wire.closed) {
        throw new Error(`connection lost after ${received} messages (${wire.lastError ?? ""})`);
      }
      if (received === 0) throw new Error(`no messages pulled (last status ${lastStatus})`);
      // nats-server queues acks internally, so a PONG does not mean they were applied: poll
      // (untimed, up to ~1 s) until nothing is pending before calling any ack lost.
      const infoSubject = `$JS.API.CONSUMER.INFO.${STREAM}.${CONSUMER}`;
      let info = await wire.api<ConsumerInfo>(infoSubject);
      for (let i = 0; i < 20 && info.num_ack_pending > 0 && received >= count; i++) {
        await new Promise((r) => setTimeout(r, 50));
        info = await wire.api<ConsumerInfo>(infoSubject);
      }
      return [{
        key: "rate",
        label: `JS pull ${sizeLabel(size)}, fetch ${PULL_BATCH}, explicit ack`,
        unit: "msgs/s",
        value: perSecond(received, ms),
        better: "higher",
        note: joinNotes(
          shortNote(received, count, "messages"),
          info.num_ack_pending > 0 ? `${info.num_ack_pending} acks still pending` : undefined,
        ),
        extra: {
          received,
          ms,
          fillRate: perSecond(fill.acked, fill.ms),
          statusReplies: statuses,
          ackFloor: info.ack_floor?.stream_seq ?? NaN,
          ackPending: info.num_ack_pending ?? NaN,
        },
      }];
    } finally {
      wire.close();
    }
  });
}

export const JS_PULL_SCENARIO: Scenario = {
  id: "js-pull",
  description: `JetStream pull, fetch ${PULL_BATCH}, explicit acks, pre-filled stream ` +
    "(wire client)",
  ownsServer: true,
  run: runPull,
};
