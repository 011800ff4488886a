/**
 * Consumer configuration as the JSON API carries it: decoding a request's `config` object into a
 * typed `ConsumerConfig` (with Go's unmarshalling verdicts: a wrong type or an unknown enum value
 * is "invalid JSON") and encoding it back the way nats-server does, with its field order and
 * `omitempty` rules. Defaults and validation live in consumer_config.ts.
 */
import { apiError, JSInvalidJSONErr } from "./api_errors.ts";
import { parseRfc3339Ns } from "../util/time.ts";

export type DeliverPolicy =
  | "all"
  | "last"
  | "new"
  | "by_start_sequence"
  | "by_start_time"
  | "last_per_subject";
export type AckPolicy = "none" | "all" | "explicit";
export type ReplayPolicy = "instant" | "original";

/**
 * A consumer config with every field present: 0, "", false and [] mean "not set", exactly as
 * Go's zero values do (and as `omitempty` drops them on output). Durations are nanoseconds.
 */
export interface ConsumerConfig {
  durable_name: string;
  name: string;
  description: string;
  deliver_policy: DeliverPolicy;
  opt_start_seq: number;
  /** RFC 3339 text as the client sent it; "" when unset. */
  opt_start_time: string;
  ack_policy: AckPolicy;
  ack_wait: number;
  max_deliver: number;
  backoff: number[];
  filter_subject: string;
  filter_subjects: string[];
  replay_policy: ReplayPolicy;
  rate_limit_bps: number;
  sample_freq: string;
  max_waiting: number;
  max_ack_pending: number;
  flow_control: boolean;
  headers_only: boolean;
  max_batch: number;
  max_expires: number;
  max_bytes: number;
  deliver_subject: string;
  deliver_group: string;
  idle_heartbeat: number;
  inactive_threshold: number;
  num_replicas: number;
  mem_storage: boolean;
  direct: boolean;
  metadata: Record<string, string> | null;
  /** Accepted and echoed; pausing is not implemented. */
  pause_until: string;
}

export function emptyConsumerConfig(): ConsumerConfig {
  return {
    durable_name: "",
    name: "",
    description: "",
    deliver_policy: "all",
    opt_start_seq: 0,
    opt_start_time: "",
    ack_policy: "none",
    ack_wait: 0,
    max_deliver: 0,
    backoff: [],
    filter_subject: "",
    filter_subjects: [],
    replay_policy: "instant",
    rate_limit_bps: 0,
    sample_freq: "",
    max_waiting: 0,
    max_ack_pending: 0,
    flow_control: false,
    headers_only: false,
    max_batch: 0,
    max_expires: 0,
    max_bytes: 0,
    deliver_subject: "",
    deliver_group: "",
    idle_heartbeat: 0,
    inactive_threshold: 0,
    num_replicas: 0,
    mem_storage: false,
    direct: false,
    metadata: null,
    pause_until: "",
  };
}

type Kind = "string" | "int" | "uint" | "bool" | "strings" | "ints" | "map" | "time";

/** Field kinds, in nats-server's output order (ConsumerConfig's struct order). */
const FIELDS: readonly (readonly [keyof ConsumerConfig, Kind])[] = [
  ["durable_name", "string"],
  ["name", "string"],
  ["description", "string"],
  ["deliver_policy", "string"],
  ["opt_start_seq", "uint"],
  ["opt_start_time", "time"],
  ["ack_policy", "string"],
  ["ack_wait", "int"],
  ["max_deliver", "int"],
  ["backoff", "ints"],
  ["filter_subject", "string"],
  ["filter_subjects", "strings"],
  ["replay_policy", "string"],
  ["rate_limit_bps", "uint"],
  ["sample_freq", "string"],
  ["max_waiting", "int"],
  ["max_ack_pending", "int"],
  ["flow_control", "bool"],
  ["headers_only", "bool"],
  ["max_batch", "int"],
  ["max_expires", "int"],
  ["max_bytes", "int"],
  ["deliver_subject", "string"],
  ["deliver_group", "string"],
  ["idle_heartbeat", "int"],
  ["inactive_threshold", "int"],
  ["num_replicas", "int"],
  ["mem_storage", "bool"],
  ["direct", "bool"],
  ["metadata", "map"],
  ["pause_until", "time"],
];

/** Fields written even when zero (no `omitempty` in nats-server's struct tags). */
const ALWAYS = new Set<string>(["deliver_policy", "ack_policy", "replay_policy", "num_replicas"]);

const ENUMS: Partial<Record<keyof ConsumerConfig, readonly string[]>> = {
  deliver_policy: ["all", "last", "new", "by_start_sequence", "by_start_time", "last_per_subject"],
  ack_policy: ["none", "all", "explicit"],
  replay_policy: ["instant", "original"],
};

/** Go's type names, for its unmarshalling error texts. */
const GO_TYPE: Record<Kind, string> = {
  string: "string",
  int: "int",
  uint: "uint64",
  bool: "bool",
  strings: "[]string",
  ints: "[]time.Duration",
  map: "map[string]string",
  time: "time.Time",
};

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v;
}

function badJson(field: string, kind: Kind, value: unknown): never {
  throw apiError(JSInvalidJSONErr, {
    err: `json: cannot unmarshal ${jsonType(value)} into Go struct field ` +
      `ConsumerConfig.config.${field} of type ${GO_TYPE[kind]}`,
  });
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function decodeField(field: string, kind: Kind, v: unknown): unknown {
  switch (kind) {
    case "string":
      if (typeof v !== "string") badJson(field, kind, v);
      return v;
    case "int":
      if (!isInt(v)) badJson(field, kind, v);
      return v;
    case "uint":
      if (!isInt(v) || v < 0) badJson(field, kind, v);
      return v;
    case "bool":
      if (typeof v !== "boolean") badJson(field, kind, v);
      return v;
    case "strings":
      if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) badJson(field, kind, v);
      return [...v];
    case "ints":
      if (!Array.isArray(v) || !v.every(isInt)) badJson(field, kind, v);
      return [...v];
    case "map":
      if (typeof v !== "object" || Array.isArray(v)) badJson(field, kind, v);
      for (const x of Object.values(v as object)) {
        if (typeof x !== "string") badJson(field, kind, v);
      }
      return { ...(v as Record<string, string>) };
    case "time":
      if (typeof v !== "string" || Number.isNaN(parseRfc3339Ns(v))) {
        throw apiError(JSInvalidJSONErr, {
          err: `parsing time ${JSON.stringify(JSON.stringify(v))} as "2006-01-02T15:04:05Z07:00"`,
        });
      }
      return v;
  }
}

/**
 * Decodes a request's `config` object. Unknown fields are ignored (nats-server's non-strict
 * decoding); `null` means the field is absent, as in Go.
 */
export function decodeConsumerConfig(raw: unknown): ConsumerConfig {
  const c = emptyConsumerConfig();
  if (raw === undefined || raw === null) return c;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw apiError(JSInvalidJSONErr, {
      err: `json: cannot unmarshal ${jsonType(raw)} into Go struct field ` +
        `CreateConsumerRequest.config of type server.ConsumerConfig`,
    });
  }
  const obj = raw as Record<string, unknown>;
  const out = c as unknown as Record<string, unknown>;
  for (const [field, kind] of FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) continue;
    const decoded = decodeField(field, kind, v);
    const allowed = ENUMS[field];
    if (allowed !== undefined && !allowed.includes(decoded as string)) {
      throw apiError(JSInvalidJSONErr, { err: `can not unmarshal ${JSON.stringify(v)}` });
    }
    out[field] = decoded;
  }
  return c;
}

function isEmpty(v: unknown): boolean {
  if (v === 0 || v === "" || v === false || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === "object" && Object.keys(v as object).length === 0;
}

/** The config as nats-server writes it: struct order, zero values omitted (`omitempty`). */
export function encodeConsumerConfig(c: ConsumerConfig): Record<string, unknown> {
  const src = c as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [field] of FIELDS) {
    const v = src[field];
    if (ALWAYS.has(field) || !isEmpty(v)) {
      out[field] = Array.isArray(v) ? [...v] : typeof v === "object" && v ? sortedMap(v) : v;
    }
  }
  return out;
}

/** Go writes map keys sorted. */
function sortedMap(v: object): Record<string, unknown> {
  const m = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/** Config equality after defaults (nats-server's reflect.DeepEqual on the struct). */
export function sameConsumerConfig(a: ConsumerConfig, b: ConsumerConfig): boolean {
  return JSON.stringify(encodeConsumerConfig(a)) === JSON.stringify(encodeConsumerConfig(b));
}
