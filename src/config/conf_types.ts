/**
 * The tree the config parser produces. Every value remembers where it was written so the loader
 * (and later the auth, accounts and cluster loaders) can report `file:line:col`.
 *
 * Maps hold `ConfEntry`s: the key as written plus its own position (errors point at the key, as
 * nats-server's do) and whether the entry was referenced as a `$variable` (a referenced entry is
 * a variable definition, so it is not an "unknown field").
 */

export interface ConfPos {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
}

interface NodeOf<K extends string, V> extends ConfPos {
  readonly kind: K;
  readonly value: V;
}

export type ConfString = NodeOf<"string", string>;
export type ConfInt = NodeOf<"int", number>;
export type ConfFloat = NodeOf<"float", number>;
export type ConfBool = NodeOf<"bool", boolean>;
export type ConfDate = NodeOf<"date", Date>;
export type ConfArray = NodeOf<"array", ConfNode[]>;
export type ConfMapNode = NodeOf<"map", ConfMap>;

export type ConfNode =
  | ConfString
  | ConfInt
  | ConfFloat
  | ConfBool
  | ConfDate
  | ConfArray
  | ConfMapNode;

export interface ConfEntry extends ConfPos {
  /** The key exactly as written (nats-server matches top-level keys case-insensitively). */
  readonly key: string;
  readonly node: ConfNode;
  /** Set when some `$key` reference resolved to this entry. */
  referenced: boolean;
}

/** Keys in source order; a repeated key keeps its first slot and takes the last value. */
export type ConfMap = Map<string, ConfEntry>;

/** A plain JSON-like value, positions dropped. */
export type PlainValue =
  | string
  | number
  | boolean
  | Date
  | PlainValue[]
  | { [key: string]: PlainValue };

/** Drops positions: for logging, tests and consumers that do not report errors. */
export function toPlain(node: ConfNode): PlainValue {
  switch (node.kind) {
    case "array":
      return node.value.map(toPlain);
    case "map":
      return mapToPlain(node.value);
    default:
      return node.value;
  }
}

export function mapToPlain(map: ConfMap): { [key: string]: PlainValue } {
  const out: { [key: string]: PlainValue } = {};
  for (const [key, entry] of map) out[key] = toPlain(entry.node);
  return out;
}

/** Human words for a node kind, for "expected X, got Y" messages. */
export function describeKind(node: ConfNode): string {
  switch (node.kind) {
    case "string":
      return "a string";
    case "int":
      return "an integer";
    case "float":
      return "a float";
    case "bool":
      return "a boolean";
    case "date":
      return "a datetime";
    case "array":
      return "an array";
    case "map":
      return "a map";
  }
}
