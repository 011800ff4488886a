/**
 * Store limits in one place: normalising a (partial) config, the discard-new admission check
 * made before a message is stored, and the choice of which messages discard-old evicts. Pure
 * functions over the message index, so both stores decide identically.
 *
 * nats-server semantics kept: per-subject limits always evict the subject's oldest message
 * (unless discard new per subject rejects instead); max_msgs / max_bytes evict from the front
 * only with discard old, and with discard new reject the message unless the per-subject limit
 * would make room by evicting that subject's oldest. max_msg_size counts headers + payload.
 */

import type { MessageIndex } from "./msg_index.ts";
import { DEFAULT_STORE_CONFIG, type StoreConfig, type StoreErrorCode } from "./store.ts";

export function normalizeConfig(
  config: Partial<StoreConfig>,
  base: Readonly<StoreConfig> = DEFAULT_STORE_CONFIG,
): StoreConfig {
  const c: StoreConfig = { ...base };
  for (const [k, v] of Object.entries(config)) {
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  }
  if (c.discard !== "old" && c.discard !== "new") {
    throw new TypeError(`discard policy must be "old" or "new", got ${String(c.discard)}`);
  }
  for (const k of ["maxMsgs", "maxBytes", "maxAge", "maxMsgsPerSubject", "maxMsgSize"] as const) {
    if (!Number.isFinite(c[k])) throw new TypeError(`${k} must be a finite number`);
  }
  if (!Number.isSafeInteger(c.firstSeq) || c.firstSeq < 1) {
    throw new RangeError("firstSeq must be a positive integer");
  }
  return c;
}

/**
 * Whether a message of `size` accounted bytes and `bodyLength` headers + payload bytes may be
 * stored on `subject`; the refusal code when not.
 */
export function admissionError(
  config: Readonly<StoreConfig>,
  index: MessageIndex,
  subject: string,
  size: number,
  bodyLength: number,
): StoreErrorCode | null {
  if (config.maxMsgSize >= 0 && bodyLength > config.maxMsgSize) return "max_msg_size";
  if (config.discard !== "new") return null;
  const perSubject = config.maxMsgsPerSubject;
  const s = perSubject > 0 ? index.subjectState(subject) : undefined;
  const atSubjectLimit = s !== undefined && s.msgs >= perSubject;
  if (atSubjectLimit && config.discardNewPerSubject) return "max_msgs_per_subject";
  // Storing on a subject at its limit evicts that subject's oldest message first.
  const freedMsgs = atSubjectLimit ? 1 : 0;
  const freedBytes = atSubjectLimit ? index.sizeOf(s!.first) : 0;
  if (config.maxMsgs > 0 && index.msgs - freedMsgs >= config.maxMsgs) return "max_msgs";
  if (config.maxBytes > 0 && index.bytes - freedBytes + size > config.maxBytes) return "max_bytes";
  return null;
}

/** The next message discard-old must evict to honour max_msgs / max_bytes, or null. */
export function nextOverLimit(
  config: Readonly<StoreConfig>,
  index: MessageIndex,
): { seq: number; reason: "max_msgs" | "max_bytes" } | null {
  if (config.discard !== "old" || index.msgs === 0) return null;
  if (config.maxMsgs > 0 && index.msgs > config.maxMsgs) {
    return { seq: index.firstSeq, reason: "max_msgs" };
  }
  if (config.maxBytes > 0 && index.bytes > config.maxBytes) {
    return { seq: index.firstSeq, reason: "max_bytes" };
  }
  return null;
}

/** Oldest messages of `subject` beyond the per-subject limit, oldest first. */
export function overSubjectLimit(
  config: Readonly<StoreConfig>,
  index: MessageIndex,
  subject: string,
): number[] {
  const max = config.maxMsgsPerSubject;
  const s = max > 0 ? index.subjectState(subject) : undefined;
  if (s === undefined || s.msgs <= max) return [];
  const out: number[] = [];
  for (let seq = s.first, n = s.msgs - max; n > 0 && seq !== 0; n--) {
    out.push(seq);
    seq = index.nextSameSubject(seq);
  }
  return out;
}
