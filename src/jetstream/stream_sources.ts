/**
 * Sources and mirrors between streams of one account. A feed reads its source stream's store
 * from the last copied sequence onwards, copies each matching message into the target through
 * the normal admission path (so limits, dedupe and acknowledgements apply), and then follows
 * new messages as they are stored. Its position is kept durably in the target's store, in a
 * reserved consumer state named `$source.<name>`, so after downtime it catches up exactly
 * where it stopped: nothing skipped, nothing copied twice.
 *
 * A mirror keeps the source's sequence numbers: a gap in the source becomes a gap in the mirror.
 */
import { setHeader } from "../protocol/headers.ts";
import { parseRfc3339Ns } from "../util/time.ts";
import { SubjectTransform } from "../subject/transform.ts";
import type { ConsumerStore } from "./store/mod.ts";
import type { Stream } from "./stream.ts";
import type { StreamSourceConfig } from "./types.ts";

/** Consumer-state names with this prefix are feed positions, never real consumers. */
export const SOURCE_CURSOR_PREFIX = "$source.";
const RETRY_MS = 1000;

export class SourceFeed {
  readonly config: StreamSourceConfig;
  #target: Stream;
  #mirror: boolean;
  #lookup: (name: string) => Stream | undefined;
  #cursor: ConsumerStore | null = null;
  /** The last source sequence copied (durably). */
  #position = 0;
  #transforms: SubjectTransform[];
  #unlisten: (() => void) | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    target: Stream,
    config: StreamSourceConfig,
    mirror: boolean,
    lookup: (name: string) => Stream | undefined,
  ) {
    this.#target = target;
    this.config = config;
    this.#mirror = mirror;
    this.#lookup = lookup;
    this.#transforms = (config.subject_transforms ?? [])
      .filter((t) => t.dest)
      .map((t) => new SubjectTransform(t.src || ">", t.dest));
  }

  get position(): number {
    return this.#position;
  }

  async start(): Promise<void> {
    const store = this.#target.store;
    this.#cursor = await store.consumerStore(`${SOURCE_CURSOR_PREFIX}${this.config.name}`, {
      ackPolicy: "none",
      maxDeliver: -1,
    });
    this.#position = this.#cursor.state().delivered.streamSeq;
    this.#attach();
  }

  /** Finds the source stream, or tries again shortly (it may not exist yet). */
  #attach(): void {
    if (this.#stopped) return;
    const source = this.#lookup(this.config.name);
    if (source === undefined) {
      this.#retry = setTimeout(() => this.#attach(), RETRY_MS);
      return;
    }
    if (this.#position === 0) this.#position = this.#startPosition(source);
    this.#unlisten = source.onStored(() => this.#pump(source));
    this.#pump(source);
  }

  /** Where a new feed starts: `opt_start_seq`, `opt_start_time`, or the beginning. */
  #startPosition(source: Stream): number {
    const c = this.config;
    if (c.opt_start_seq && c.opt_start_seq > 0) return c.opt_start_seq - 1;
    if (c.opt_start_time) {
      const ns = parseRfc3339Ns(c.opt_start_time);
      if (!Number.isNaN(ns)) return source.store.seqFromTime(ns) - 1;
    }
    return 0;
  }

  /** Copies everything after the position, one message at a time, in order. */
  #pump(source: Stream): void {
    this.#chain = this.#chain.then(async () => {
      const filter = this.#mirror ? "" : this.config.filter_subject ?? "";
      while (!this.#stopped) {
        const msg = await source.store.loadNextMsg(filter, this.#position + 1);
        if (msg === null) return;
        await this.#copy(msg.seq, msg.subject, msg.headers, msg.payload);
        this.#position = msg.seq;
        await this.#cursor!.setStartingSeq(msg.seq);
      }
    }).catch((err) => {
      if (!this.#stopped) {
        // A store error (e.g. the target refused a message by its limits): try again later.
        this.#retry = setTimeout(() => this.#pump(source), RETRY_MS);
        void err;
      }
    });
  }

  async #copy(
    seq: number,
    subject: string,
    headers: Uint8Array | null,
    data: Uint8Array,
  ): Promise<void> {
    const target = this.#target;
    if (this.#mirror) {
      // Keep the source's numbering: skip over the source's gaps.
      const next = target.store.state().lastSeq + 1;
      if (seq > next) await target.store.compact(seq);
    }
    const t = this.#transforms.find((x) => x.matches(subject));
    const copied = setHeader(headers, "Nats-Stream-Source", `${this.config.name} ${seq}`);
    await target.ingest({
      subject: t ? t.apply(subject) : subject,
      reply: "",
      headers: copied,
      data,
    });
  }

  /** State for stream info (`sources[]` / `mirror`). */
  info(): Record<string, unknown> {
    const source = this.#lookup(this.config.name);
    const last = source?.store.state().lastSeq ?? 0;
    return {
      name: this.config.name,
      lag: Math.max(0, last - this.#position),
      active: source === undefined ? -1 : 0,
      ...(this.config.filter_subject ? { filter_subject: this.config.filter_subject } : {}),
    };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#unlisten?.();
    await this.#chain;
  }
}
