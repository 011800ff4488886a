/**
 * What the server keeps for monitoring between requests: the ring of recently closed
 * connections, the traffic of closed connections per account (so account totals survive their
 * connections), requests per monitoring path, and the CPU meter. Touched on connection close
 * and per monitoring request only, never per message.
 */
import { CloseReason } from "../conn/close_reason.ts";
import { ClosedRing, DEFAULT_MAX_CLOSED_CLIENTS } from "./closed_ring.ts";
import { closedConnRecord } from "./connz.ts";
import { type CpuClock, CpuMeter } from "./cpu.ts";
import type { ClosedConn, ConnSource } from "./source.ts";

/** Running totals of one account's closed connections. */
export interface AccountTotals {
  inMsgs: number;
  inBytes: number;
  outMsgs: number;
  outBytes: number;
  slowConsumers: number;
}

const SLOW_CONSUMER_REASONS = new Set<string>([
  CloseReason.SlowConsumerPendingBytes,
  CloseReason.SlowConsumerWriteDeadline,
]);

export class MonitorState {
  readonly httpReqStats = new Map<string, number>();
  readonly cpu: CpuMeter;
  #closed: ClosedRing<ClosedConn>;
  #closedTotals = new Map<string, AccountTotals>();

  constructor(cpuClock: CpuClock, maxClosed = DEFAULT_MAX_CLOSED_CLIENTS) {
    this.cpu = new CpuMeter(cpuClock);
    this.#closed = new ClosedRing(maxClosed);
  }

  /** Records a connection as it closes (its subscriptions must still be readable). */
  connectionClosed(c: ConnSource, stop: number, reason: string): void {
    this.#closed.push(closedConnRecord(c, stop, reason));
    let t = this.#closedTotals.get(c.account);
    if (t === undefined) {
      t = { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0, slowConsumers: 0 };
      this.#closedTotals.set(c.account, t);
    }
    t.inMsgs += c.inMsgs;
    t.inBytes += c.inBytes;
    t.outMsgs += c.outMsgs;
    t.outBytes += c.outBytes;
    if (SLOW_CONSUMER_REASONS.has(reason)) t.slowConsumers++;
  }

  /** Recently closed connections, oldest first. */
  closedConnections(): ClosedConn[] {
    return this.#closed.toArray();
  }

  /** Totals of the account's closed connections (zeros when none closed). */
  closedTotals(account: string): Readonly<AccountTotals> {
    return this.#closedTotals.get(account) ??
      { inMsgs: 0, inBytes: 0, outMsgs: 0, outBytes: 0, slowConsumers: 0 };
  }

  noteHttpRequest(path: string): void {
    this.httpReqStats.set(path, (this.httpReqStats.get(path) ?? 0) + 1);
  }
}
