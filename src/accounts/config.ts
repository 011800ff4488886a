/**
 * Reads accounts from the config tree: `accounts { NAME { exports, imports, mappings } }`,
 * top-level `mappings` (the global account's) and `system_account`. Users are read by the
 * auth loader. Every error names file:line:col and key, and the verdicts follow
 * `nats-server -t` (an import of something not exported to the importer is an error).
 */
import type { ConfEntry, ConfMap, ConfNode } from "../config/conf_types.ts";
import { invalid, unknownField, wantArray, wantMap, wantString } from "../config/conf_values.ts";
import { MappingRule, TransformError } from "../subject/transform.ts";
import { isValidSubject, subjectIsSubsetOf } from "../subject/subject.ts";
import { GLOBAL_ACCOUNT, type JsAccountLimits, UNLIMITED_JS_LIMITS } from "./account.ts";

export type ResponseType = "singleton" | "stream" | "chunked";

export interface StreamExport {
  readonly subject: string;
  /** Accounts allowed to import; null means every account. */
  readonly accounts: readonly string[] | null;
}

export interface ServiceExport extends StreamExport {
  readonly responseType: ResponseType;
  readonly responseThresholdMs: number;
}

export interface StreamImport {
  readonly account: string;
  readonly subject: string;
  /** Prefix put before the exported subject in the importing account ("" for none). */
  readonly prefix: string;
  /** Or a full rewrite of the subject (the 2.9 `to` form); "" when unused. */
  readonly to: string;
}

export interface ServiceImport {
  readonly account: string;
  readonly subject: string;
  /** The subject clients of the importing account use; defaults to `subject`. */
  readonly to: string;
}

export interface AccountConfig {
  readonly name: string;
  readonly streamExports: StreamExport[];
  readonly serviceExports: ServiceExport[];
  readonly streamImports: StreamImport[];
  readonly serviceImports: ServiceImport[];
  readonly mappings: MappingRule[];
  /** `jetstream: enabled` (or a limits block) in the account; null when not said. */
  jetstream: boolean | null;
  /** The account's JetStream limits (all unlimited for `jetstream: enabled`). */
  jetstreamLimits: JsAccountLimits;
}

export interface AccountsConfig {
  readonly accounts: AccountConfig[];
  readonly systemAccount: string;
}

export const DEFAULT_SYSTEM_ACCOUNT = "$SYS";
const DEFAULT_RESPONSE_THRESHOLD_MS = 2 * 60 * 1000;

/** Case-insensitive lookup, as nats-server matches config keys. */
function entryOf(map: ConfMap, key: string): ConfEntry | undefined {
  for (const e of map.values()) if (e.key.toLowerCase() === key) return e;
  return undefined;
}

function asEntry(node: ConfNode, key: string): ConfEntry {
  return { key, node, file: node.file, line: node.line, col: node.col, referenced: false };
}

export function readAccountsConfig(root: ConfMap | null): AccountsConfig {
  const accounts: AccountConfig[] = [];
  const global = emptyAccount(GLOBAL_ACCOUNT);
  accounts.push(global);
  if (root === null) return { accounts, systemAccount: DEFAULT_SYSTEM_ACCOUNT };

  const topMappings = entryOf(root, "mappings") ?? entryOf(root, "maps");
  if (topMappings) global.mappings.push(...readMappings(topMappings));

  const block = entryOf(root, "accounts");
  const importEntries: [AccountConfig, ConfEntry, "stream" | "service"][] = [];
  if (block) {
    for (const accEntry of wantMap(block).values()) {
      const acc = emptyAccount(accEntry.key);
      accounts.push(acc);
      if (accEntry.node.kind !== "map") continue; // e.g. `A: {}` written as a bare value
      for (const e of accEntry.node.value.values()) {
        switch (e.key.toLowerCase()) {
          case "exports":
            for (const node of wantArray(e)) readExport(acc, asEntry(node, "exports"));
            break;
          case "imports":
            for (const node of wantArray(e)) {
              const item = asEntry(node, "imports");
              const m = wantMap(item);
              const kind = entryOf(m, "stream")
                ? "stream"
                : entryOf(m, "service")
                ? "service"
                : null;
              if (kind === null) invalid(item, "an import needs a stream or a service");
              importEntries.push([acc, item, kind]);
            }
            break;
          case "mappings":
          case "maps":
            acc.mappings.push(...readMappings(e));
            break;
          case "jetstream":
            readAccountJetStream(acc, e);
            break;
          default:
            // users, jetstream, limits...: read by their own loaders.
            break;
        }
      }
    }
  }
  for (const [acc, item, kind] of importEntries) readImport(acc, item, kind, accounts);

  const sys = entryOf(root, "system_account") ?? entryOf(root, "system");
  const systemAccount = sys ? wantString(sys) : DEFAULT_SYSTEM_ACCOUNT;
  if (sys && !accounts.some((a) => a.name === systemAccount)) {
    invalid(sys, `system account "${systemAccount}" is not defined`);
  }
  return { accounts, systemAccount };
}

function emptyAccount(name: string): AccountConfig {
  return {
    name,
    streamExports: [],
    serviceExports: [],
    streamImports: [],
    serviceImports: [],
    mappings: [],
    jetstream: null,
    jetstreamLimits: UNLIMITED_JS_LIMITS,
  };
}

type SizeKey = "maxMemory" | "maxStore" | "memoryMaxStreamBytes" | "storeMaxStreamBytes";
type CountKey = "maxStreams" | "maxConsumers" | "maxAckPending";

/** nats-server 2.9's keys (and aliases) of an account's `jetstream { ... }` block. */
const JS_LIMIT_KEYS: Record<string, SizeKey | CountKey | "maxBytesRequired"> = {
  max_memory: "maxMemory",
  max_mem: "maxMemory",
  mem: "maxMemory",
  memory: "maxMemory",
  max_store: "maxStore",
  max_file: "maxStore",
  max_disk: "maxStore",
  store: "maxStore",
  disk: "maxStore",
  max_streams: "maxStreams",
  streams: "maxStreams",
  max_consumers: "maxConsumers",
  consumers: "maxConsumers",
  max_bytes_required: "maxBytesRequired",
  max_stream_bytes: "maxBytesRequired",
  max_bytes: "maxBytesRequired",
  mem_max_stream_bytes: "memoryMaxStreamBytes",
  memory_max_stream_bytes: "memoryMaxStreamBytes",
  disk_max_stream_bytes: "storeMaxStreamBytes",
  store_max_stream_bytes: "storeMaxStreamBytes",
  max_ack_pending: "maxAckPending",
};

/**
 * `jetstream: true | enabled | disabled` or a limits block, with `nats-server -t`'s verdicts:
 * sizes and counts must be integers (units like 1MB included), `max_bytes_required` a boolean,
 * unknown keys are errors; keys not given stay unlimited (-1).
 */
function readAccountJetStream(acc: AccountConfig, e: ConfEntry): void {
  const n = e.node;
  if (n.kind === "bool") {
    acc.jetstream = n.value;
    return;
  }
  if (n.kind === "string") {
    const word = n.value.toLowerCase();
    if (word === "enabled" || word === "enable") acc.jetstream = true;
    else if (word === "disabled" || word === "disable") acc.jetstream = false;
    else invalid(e, `Expected 'enabled' or 'disabled' for string value, got '${n.value}'`);
    return;
  }
  if (n.kind !== "map") invalid(e, "Expected map, bool or string to define JetStream");
  const limits: { -readonly [K in keyof JsAccountLimits]: JsAccountLimits[K] } = {
    ...UNLIMITED_JS_LIMITS,
  };
  for (const item of n.value.values()) {
    const field = JS_LIMIT_KEYS[item.key.toLowerCase()];
    if (field === undefined) unknownField(item);
    const v = item.node;
    if (field === "maxBytesRequired") {
      if (v.kind !== "bool") {
        invalid(item, `Expected a parseable bool for ${JSON.stringify(item.key)}, got ${show(v)}`);
      }
      limits.maxBytesRequired = v.value;
    } else {
      if (v.kind !== "int") {
        invalid(item, `Expected a parseable size for ${JSON.stringify(item.key)}, got ${show(v)}`);
      }
      limits[field] = v.value;
    }
  }
  acc.jetstream = true;
  acc.jetstreamLimits = limits;
}

function show(node: ConfNode): string {
  return node.kind === "map" || node.kind === "array" ? node.kind : String(node.value);
}

function readExport(acc: AccountConfig, item: ConfEntry): void {
  const m = wantMap(item);
  const stream = entryOf(m, "stream");
  const service = entryOf(m, "service");
  const subjectEntry = stream ?? service;
  if (!subjectEntry) invalid(item, "an export needs a stream or a service subject");
  const subject = wantSubject(subjectEntry);
  const allowed = entryOf(m, "accounts");
  const accounts = allowed
    ? wantArray(allowed).map((n) => wantString(asEntry(n, "accounts")))
    : null;
  if (stream) {
    acc.streamExports.push({ subject, accounts });
    return;
  }
  const rt = entryOf(m, "response_type") ?? entryOf(m, "response");
  let responseType: ResponseType = "singleton";
  if (rt) {
    const word = wantString(rt).toLowerCase();
    if (word !== "singleton" && word !== "stream" && word !== "chunked") {
      invalid(rt, `Unknown response type: ${JSON.stringify(wantString(rt))}`);
    }
    responseType = word;
  }
  acc.serviceExports.push({
    subject,
    accounts,
    responseType,
    responseThresholdMs: DEFAULT_RESPONSE_THRESHOLD_MS,
  });
}

function readImport(
  acc: AccountConfig,
  item: ConfEntry,
  kind: "stream" | "service",
  all: AccountConfig[],
): void {
  const m = wantMap(item);
  const source = wantMap(entryOf(m, kind)!);
  const accountEntry = entryOf(source, "account");
  const subjectEntry = entryOf(source, "subject");
  if (!accountEntry || !subjectEntry) invalid(item, `a ${kind} import needs account and subject`);
  const from = wantString(accountEntry);
  const subject = wantSubject(subjectEntry);
  const exporter = all.find((a) => a.name === from);
  if (!exporter) invalid(accountEntry, `"${from}" account not defined for ${kind} import`);
  const exports = kind === "stream" ? exporter.streamExports : exporter.serviceExports;
  const authorized = exports.some((e) =>
    (e.accounts === null || e.accounts.includes(acc.name)) && subjectIsSubsetOf(subject, e.subject)
  );
  if (!authorized) {
    invalid(
      item,
      `Error adding ${kind} import ${JSON.stringify(subject)}: ${kind} import not authorized`,
    );
  }
  const toEntry = entryOf(m, "to");
  const to = toEntry ? wantSubject(toEntry) : "";
  if (kind === "stream") {
    const prefixEntry = entryOf(m, "prefix");
    const prefix = prefixEntry ? wantSubject(prefixEntry) : "";
    acc.streamImports.push({ account: from, subject, prefix, to });
  } else {
    acc.serviceImports.push({ account: from, subject, to: to || subject });
  }
}

function wantSubject(entry: ConfEntry): string {
  const subject = wantString(entry);
  if (!isValidSubject(subject)) invalid(entry, `invalid subject ${JSON.stringify(subject)}`);
  return subject;
}

/** `src: dest` or `src: [{destination, weight}]` pairs. */
function readMappings(entry: ConfEntry): MappingRule[] {
  const rules: MappingRule[] = [];
  for (const e of wantMap(entry).values()) {
    try {
      if (e.node.kind === "string") {
        rules.push(new MappingRule(e.key, [{ destination: e.node.value, weight: 100 }]));
        continue;
      }
      const dests = wantArray(e).map((n) => {
        const d = wantMap(asEntry(n, e.key));
        const dest = entryOf(d, "destination") ?? entryOf(d, "dest");
        if (!dest) invalid(e, "a weighted mapping needs a destination");
        const w = entryOf(d, "weight");
        return { destination: wantString(dest), weight: w ? readWeight(w) : 100 };
      });
      rules.push(new MappingRule(e.key, dests));
    } catch (err) {
      if (err instanceof TransformError) {
        invalid(e, `Error adding mapping for ${JSON.stringify(e.key)}: ${err.message}`);
      }
      throw err;
    }
  }
  return rules;
}

function readWeight(entry: ConfEntry): number {
  const n = entry.node;
  const text = n.kind === "string" ? n.value.trim().replace(/%$/, "") : String(n.value);
  const weight = Number(text);
  if (n.kind !== "string" && n.kind !== "int" && n.kind !== "float" || !Number.isFinite(weight)) {
    invalid(entry, "a weight is a number from 0 to 100, optionally with %");
  }
  return weight;
}
