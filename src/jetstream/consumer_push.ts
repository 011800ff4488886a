/**
 * Push delivery state: whether anyone listens on the deliver subject, flow control, and idle
 * heartbeats. Flow control follows nats-server: a window that starts at 1/16 of 32 MiB and
 * doubles on each answered `100 FlowControl Request` (sent, with a `$JS.FC.<stream>.<consumer>.
 * <id>` reply, once half the window is outstanding); delivery stalls while more than a window is
 * unanswered, and idle heartbeats then carry `Nats-Consumer-Stalled: <reply>`.
 */
import { FLOW_CONTROL_REQUEST, idleHeartbeat } from "./consumer_status.ts";

export const FLOW_CONTROL_MAX_PENDING = 32 * 1024 * 1024;
export const FC_PREFIX = "$JS.FC.";

const ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export interface PushContext {
  publish(subject: string, reply: string | null, headers: Uint8Array): void;
}

export class PushFlow {
  deliverSubject: string;
  /** Someone listens on the deliver subject. */
  active = false;
  /** Last delivery or heartbeat (ms), for idle heartbeats. */
  lastActivity: number;
  readonly #ctx: PushContext;
  readonly #fcPrefix: string;
  #limit = 0;
  #window = 0;
  #outstanding = 0;
  #fcId = "";
  #fcSize = 0;

  constructor(
    ctx: PushContext,
    stream: string,
    consumer: string,
    deliverSubject: string,
    flowControl: boolean,
    now: number,
  ) {
    this.#ctx = ctx;
    this.deliverSubject = deliverSubject;
    this.#fcPrefix = `${FC_PREFIX}${stream}.${consumer}.`;
    this.lastActivity = now;
    if (flowControl) {
      this.#limit = FLOW_CONTROL_MAX_PENDING;
      this.#window = Math.max(1, FLOW_CONTROL_MAX_PENDING / 16);
    }
  }

  /** The subscription subject for flow control replies. */
  get fcSubject(): string {
    return `${this.#fcPrefix}*`;
  }

  /** The flow control request awaiting an answer ("" when none). */
  get pendingFlowControl(): string {
    return this.#fcId;
  }

  /** Deliveries wait while more than a window of bytes is unanswered. */
  get stalled(): boolean {
    return this.#window > 0 && this.#outstanding > this.#window;
  }

  /** Accounts a delivered message of `size` bytes; may send a flow control request. */
  delivered(size: number, now: number): void {
    this.lastActivity = now;
    if (this.#window === 0) return;
    this.#outstanding += size;
    if (this.#fcId === "" && this.#outstanding > this.#window / 2) {
      this.#sendRequest();
    } else if (this.#fcId !== "" && this.#outstanding - this.#fcSize >= this.#window) {
      this.#fcSize += size;
    }
  }

  #sendRequest(): void {
    let id = "";
    for (let i = 0; i < 4; i++) id += ID_CHARS[Math.floor(Math.random() * ID_CHARS.length)];
    this.#fcId = this.#fcPrefix + id;
    this.#fcSize = this.#outstanding;
    this.#ctx.publish(this.deliverSubject, this.#fcId, FLOW_CONTROL_REQUEST);
  }

  /** A reply on the flow control subject; true when it answered the outstanding request. */
  answered(subject: string): boolean {
    if (subject !== this.#fcId) return false;
    if (this.#window < this.#limit) this.#window = Math.min(this.#window * 2, this.#limit);
    this.#outstanding = Math.max(0, this.#outstanding - this.#fcSize);
    this.#fcId = "";
    this.#fcSize = 0;
    return true;
  }

  /** Forgets outstanding flow control (deliver subject changed, pending forced to expire). */
  reset(): void {
    this.#outstanding = 0;
    this.#fcId = "";
    this.#fcSize = 0;
  }

  heartbeat(lastDseq: number, lastSseq: number, now: number): void {
    this.lastActivity = now;
    this.#ctx.publish(this.deliverSubject, null, idleHeartbeat(lastDseq, lastSseq, this.#fcId));
  }
}
