/**
 * Decodes the JSON body of a `$SYS.REQ.*` request the way Go's `encoding/json` fills
 * nats-server's option structs: an empty body means defaults, field names match
 * case-insensitively, unknown fields and `null` values are ignored, and a value of the wrong
 * type fails the whole request (a 400 reply).
 */

/** A field's Go type, as far as decoding cares. */
export type FieldKind = "bool" | "int" | "uint" | "string" | "strings";

/** JSON field name -> kind. */
export type Schema = Readonly<Record<string, FieldKind>>;

/** The body could not be decoded: the reply carries code 400 and this message. */
export class RequestDecodeError extends Error {
  override name = "RequestDecodeError";
}

/** `EventFilterOptions`: a server that does not match them does not answer at all. */
export const FILTER_SCHEMA: Schema = {
  server_name: "string",
  cluster: "string",
  host: "string",
  tags: "strings",
  domain: "string",
};

export interface EventFilter {
  serverName: string;
  cluster: string;
  host: string;
  tags: string[];
  domain: string;
}

const decoder = new TextDecoder();

/**
 * Decodes `body` against `schema` (plus the filter fields). `goType` names the struct in
 * error messages, as Go's do. Returns the fields that were present, by their schema names.
 */
export function decodeOptions(
  body: Uint8Array,
  schema: Schema,
  goType: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body.length === 0) return out;
  let doc: unknown;
  try {
    doc = JSON.parse(decoder.decode(body));
  } catch (err) {
    throw new RequestDecodeError((err as Error).message);
  }
  if (doc === null) return out;
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new RequestDecodeError(
      `json: cannot unmarshal ${jsonType(doc)} into Go value of type server.${goType}`,
    );
  }
  const fields = { ...schema, ...FILTER_SCHEMA };
  const names = Object.keys(fields);
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    // Go prefers an exact match, then takes a case-insensitive one.
    const name = key in fields ? key : names.find((n) => n.toLowerCase() === key.toLowerCase());
    if (name === undefined || value === null) continue;
    out[name] = checkValue(value, fields[name], `${goType}.${name}`);
  }
  return out;
}

function checkValue(value: unknown, kind: FieldKind, field: string): unknown {
  const fail = (goKind: string) =>
    new RequestDecodeError(
      `json: cannot unmarshal ${jsonType(value)} into Go struct field ${field} of type ${goKind}`,
    );
  switch (kind) {
    case "bool":
      if (typeof value !== "boolean") throw fail("bool");
      return value;
    case "string":
      if (typeof value !== "string") throw fail("string");
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw fail("int");
      return value;
    case "uint":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
        throw fail("uint64");
      }
      return value;
    case "strings":
      if (!Array.isArray(value)) throw fail("[]string");
      for (const v of value) if (typeof v !== "string") throw fail("string");
      return value;
  }
}

/** Go's names for JSON value types in unmarshal errors. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
      return `number ${v}`;
    case "string":
      return "string";
    default:
      return "object";
  }
}

export function eventFilter(fields: Record<string, unknown>): EventFilter {
  return {
    serverName: str(fields.server_name),
    cluster: str(fields.cluster),
    host: str(fields.host),
    tags: (fields.tags as string[] | undefined) ?? [],
    domain: str(fields.domain),
  };
}

/** What a server is matched on: nats-server compares names, hosts and clusters by substring. */
export interface FilterTarget {
  name: string;
  host: string;
  cluster: string;
  tags: readonly string[];
  domain: string;
}

/** True when the request is meant for this server (nats-server's `filterRequest`, negated). */
export function filterMatches(f: EventFilter, t: FilterTarget): boolean {
  if (f.serverName !== "" && !t.name.includes(f.serverName)) return false;
  if (f.host !== "" && !t.host.includes(f.host)) return false;
  if (f.cluster !== "" && !t.cluster.includes(f.cluster)) return false;
  for (const tag of f.tags) {
    if (!t.tags.some((own) => own.toLowerCase() === tag.toLowerCase())) return false;
  }
  if (f.domain !== "" && t.domain !== f.domain) return false;
  return true;
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function bool(v: unknown): boolean {
  return v === true;
}

export function int(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
