/**
 * Stream configuration: nats-server's defaults, validation on create and the rules for what an
 * update may change. Errors are ApiErrors with nats-server's codes and texts.
 */
import {
  apiError,
  JSMirrorWithSourcesErr,
  JSMirrorWithSubjectsErr,
  JSStreamInvalidConfigF,
  JSStreamNameContainsPathSeparatorsErr,
  JSStreamReplicasNotSupportedErr,
  JSStreamUpdateErrF,
} from "./api_errors.ts";
import type { StreamConfig } from "./types.ts";
import { isValidSubject } from "../subject/subject.ts";
import type { StoreConfig } from "./store/mod.ts";

const NS_PER_MS = 1_000_000;
export const DEFAULT_DUPLICATE_WINDOW = 2 * 60 * 1000 * NS_PER_MS;
const MAX_NAME_LENGTH = 255;

/** Fills in nats-server's defaults; `raw` is the request's `config` object. */
export function withDefaults(raw: Partial<StreamConfig> & { name: string }): StreamConfig {
  const c: StreamConfig = {
    name: raw.name,
    subjects: raw.subjects ?? [],
    retention: raw.retention ?? "limits",
    max_consumers: raw.max_consumers ?? -1,
    max_msgs: raw.max_msgs ?? -1,
    max_bytes: raw.max_bytes ?? -1,
    max_age: raw.max_age ?? 0,
    max_msgs_per_subject: raw.max_msgs_per_subject ?? -1,
    max_msg_size: raw.max_msg_size ?? -1,
    discard: raw.discard ?? "old",
    storage: raw.storage ?? "file",
    num_replicas: raw.num_replicas || 1,
    duplicate_window: raw.duplicate_window ?? 0,
    allow_rollup_hdrs: raw.allow_rollup_hdrs ?? false,
    deny_delete: raw.deny_delete ?? false,
    deny_purge: raw.deny_purge ?? false,
    sealed: raw.sealed ?? false,
    allow_direct: raw.allow_direct ?? false,
    mirror_direct: raw.mirror_direct ?? false,
  };
  // Optional fields are copied only when given, so the config echoes what the client sent.
  for (
    const key of [
      "description",
      "discard_new_per_subject",
      "no_ack",
      "allow_msg_ttl",
      "first_seq",
      "metadata",
      "subject_transform",
      "republish",
      "mirror",
      "sources",
      "placement",
      "compression",
      "consumer_limits",
    ] as const
  ) {
    if (raw[key] !== undefined && raw[key] !== null) {
      (c as unknown as Record<string, unknown>)[key] = raw[key];
    }
  }
  if (c.subjects.length === 0 && !c.mirror && !(c.sources && c.sources.length > 0)) {
    c.subjects = [c.name];
  }
  if (c.duplicate_window === 0) {
    c.duplicate_window = c.max_age > 0 && c.max_age < DEFAULT_DUPLICATE_WINDOW
      ? c.max_age
      : DEFAULT_DUPLICATE_WINDOW;
  }
  return c;
}

function invalid(text: string): never {
  throw apiError(JSStreamInvalidConfigF, { err: text });
}

export function validateStreamName(name: string): void {
  if (name === "") invalid("stream name is required");
  if (name.includes("/") || name.includes("\\")) {
    throw apiError(JSStreamNameContainsPathSeparatorsErr);
  }
  if (/[\s.*>]/.test(name)) invalid("stream name can not contain whitespace, '.', '*', '>'");
  if (name.length > MAX_NAME_LENGTH) {
    invalid(`stream name is too long, maximum allowed is ${MAX_NAME_LENGTH}`);
  }
}

/** Checks a complete config (after defaults) for create. */
export function validateStreamConfig(c: StreamConfig): void {
  validateStreamName(c.name);
  if (c.num_replicas > 1) throw apiError(JSStreamReplicasNotSupportedErr);
  if (c.num_replicas < 0) invalid("replicas count cannot be negative");
  if (!["limits", "interest", "workqueue"].includes(c.retention)) invalid("invalid retention");
  if (!["old", "new"].includes(c.discard)) invalid("invalid discard policy");
  if (!["file", "memory"].includes(c.storage)) invalid("invalid storage type");
  if (c.max_age < 0) invalid("max age needs to be >= 0");
  if (c.duplicate_window < 0) invalid("duplicates window can not be negative");
  if (c.max_age > 0 && c.duplicate_window > c.max_age) {
    invalid("duplicates window can not be larger then max age");
  }
  if (c.discard_new_per_subject && (c.discard !== "new" || c.max_msgs_per_subject <= 0)) {
    invalid("discard new per subject requires discard new policy to be set");
  }
  if (c.mirror) {
    if (c.subjects.length > 0) throw apiError(JSMirrorWithSubjectsErr);
    if (c.sources && c.sources.length > 0) throw apiError(JSMirrorWithSourcesErr);
  }
  const seen = new Set<string>();
  for (const s of c.subjects) {
    if (!isValidSubject(s)) invalid(`invalid subject "${s}"`);
    if (seen.has(s)) invalid("duplicate subjects detected");
    seen.add(s);
    if (s === ">" || s.startsWith("$JS.API") || s.startsWith("$SYS.")) {
      invalid("subjects that overlap with jetstream api require no-ack to be true");
    }
  }
  if (c.sealed) invalid("stream configuration for create can not be sealed");
  if (c.compression !== undefined && c.compression !== "none" && c.compression !== "s2") {
    invalid("invalid compression");
  }
}

/** Checks that `next` is an allowed change of `current` (nats-server's update rules). */
export function validateStreamUpdate(current: StreamConfig, next: StreamConfig): void {
  const refuse = (text: string): never => {
    throw apiError(JSStreamUpdateErrF, { err: text });
  };
  if (next.storage !== current.storage) {
    refuse("stream configuration update can not change storage type");
  }
  if (next.retention !== current.retention) {
    refuse("stream configuration update can not change retention policy");
  }
  if (JSON.stringify(next.mirror ?? null) !== JSON.stringify(current.mirror ?? null)) {
    refuse("stream mirror configuration can not be updated");
  }
  if (current.sealed && !next.sealed) {
    refuse("stream configuration update can not unseal a sealed stream");
  }
  if (current.deny_delete && !next.deny_delete) {
    refuse("stream configuration update can not cancel deny message deletes");
  }
  if (current.deny_purge && !next.deny_purge) {
    refuse("stream configuration update can not cancel deny purge");
  }
  if (next.num_replicas > 1) throw apiError(JSStreamReplicasNotSupportedErr);
  const { sealed: _s, ...rest } = next;
  validateStreamConfig({ ...rest, sealed: false });
}

/** The limits the store enforces for a stream config. */
export function storeConfigOf(c: StreamConfig): Partial<StoreConfig> {
  return {
    maxMsgs: c.max_msgs,
    maxBytes: c.max_bytes,
    maxAge: c.max_age,
    maxMsgsPerSubject: c.max_msgs_per_subject,
    maxMsgSize: c.max_msg_size,
    discard: c.discard,
    discardNewPerSubject: c.discard_new_per_subject ?? false,
    firstSeq: c.first_seq && c.first_seq > 0 ? c.first_seq : 1,
  };
}
