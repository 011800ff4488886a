/**
 * Subject transforms (mappings): a source pattern and a destination template built from literal
 * tokens and functions of the source's wildcard tokens — `{{wildcard(n)}}` (legacy `$n`),
 * `{{partition(n, i...)}}`, `{{split(i, sep)}}`, `{{splitfromleft|right(i, pos)}}` and
 * `{{slicefromleft|right(i, size)}}` — and weighted choices between destinations.
 * Used by account mappings now, and later by imports and stream subject transforms.
 */
import { FULL_WILDCARD, matchSubject, PARTIAL_WILDCARD } from "./subject.ts";

type TokenFn =
  | { kind: "literal"; text: string }
  | { kind: "wildcard"; index: number }
  | { kind: "partition"; count: number; indexes: number[] }
  | { kind: "split"; index: number; separator: string }
  | { kind: "splitFromLeft" | "splitFromRight"; index: number; position: number }
  | { kind: "sliceFromLeft" | "sliceFromRight"; index: number; size: number }
  | { kind: "rest" };

export class TransformError extends SyntaxError {}

export class SubjectTransform {
  readonly source: string;
  readonly destination: string;
  #tokens: TokenFn[];
  /** Positions of the source's `*` tokens, in order: wildcard(1) is the first. */
  #wildcardPositions: number[] = [];
  #sourceHasRest: boolean;

  constructor(source: string, destination: string) {
    this.source = source;
    this.destination = destination;
    const src = source.split(".");
    src.forEach((t, i) => {
      if (t === PARTIAL_WILDCARD) this.#wildcardPositions.push(i);
    });
    this.#sourceHasRest = src[src.length - 1] === FULL_WILDCARD;
    this.#tokens = destination.split(".").map((t) => parseToken(t));
    const rests = this.#tokens.filter((t) => t.kind === "rest").length;
    if (rests !== (this.#sourceHasRest ? 1 : 0)) {
      throw new TransformError(
        `mapping "${source}" -> "${destination}": a '>' in the source must appear once ` +
          `in the destination, and only then`,
      );
    }
    for (const t of this.#tokens) {
      const indexes = t.kind === "partition" ? t.indexes : "index" in t ? [t.index] : [];
      for (const i of indexes) {
        if (i < 1 || i > this.#wildcardPositions.length) {
          throw new TransformError(
            `mapping "${source}" -> "${destination}": wildcard index ${i} is out of range`,
          );
        }
      }
    }
  }

  /** Whether `subject` (a literal) is one this transform applies to. */
  matches(subject: string): boolean {
    return matchSubject(subject, this.source);
  }

  /** The destination for a literal `subject` that `matches`. */
  apply(subject: string): string {
    const tokens = subject.split(".");
    const wild = (i: number) => tokens[this.#wildcardPositions[i - 1]];
    const out: string[] = [];
    for (const t of this.#tokens) {
      switch (t.kind) {
        case "literal":
          out.push(t.text);
          break;
        case "wildcard":
          out.push(wild(t.index));
          break;
        case "partition":
          out.push(String(fnv1a(t.indexes.map(wild).join("")) % t.count));
          break;
        case "split":
          out.push(...wild(t.index).split(t.separator).filter((s) => s !== ""));
          break;
        case "splitFromLeft":
        case "splitFromRight": {
          const w = wild(t.index);
          const at = t.kind === "splitFromLeft" ? t.position : w.length - t.position;
          out.push(...(at > 0 && at < w.length ? [w.slice(0, at), w.slice(at)] : [w]));
          break;
        }
        case "sliceFromLeft":
        case "sliceFromRight":
          out.push(...slice(wild(t.index), t.size, t.kind === "sliceFromLeft"));
          break;
        case "rest":
          out.push(...tokens.slice(this.source.split(".").length - 1));
          break;
      }
    }
    return out.join(".");
  }
}

export interface WeightedDestination {
  readonly transform: SubjectTransform;
  /** Percent, 0 to 100. */
  readonly weight: number;
}

/** One mapping rule: a source and one or more weighted destinations. */
export class MappingRule {
  readonly source: string;
  readonly destinations: readonly WeightedDestination[];
  /** True when every message maps the same way (one destination at 100%). */
  readonly deterministic: boolean;
  /**
   * What the weights leave over keeps its own subject, as in nats-server, unless a
   * destination is the source itself: then the remainder is dropped (artificial loss).
   */
  readonly #remainderKeepsSubject: boolean;

  constructor(source: string, destinations: { destination: string; weight: number }[]) {
    this.source = source;
    let total = 0;
    this.destinations = destinations.map((d) => {
      if (!(d.weight >= 0 && d.weight <= 100)) {
        throw new TransformError(`mapping "${source}": weight ${d.weight} is not 0-100%`);
      }
      total += d.weight;
      return { transform: new SubjectTransform(source, d.destination), weight: d.weight };
    });
    if (total > 100) {
      throw new TransformError(`mapping "${source}": weights add up to ${total}%, over 100%`);
    }
    this.deterministic = this.destinations.length === 1 && this.destinations[0].weight === 100;
    this.#remainderKeepsSubject = !destinations.some((d) => d.destination === source);
  }

  /** The mapped subject, or null when the message is dropped. */
  map(subject: string, random: () => number = Math.random): string | null {
    if (this.deterministic) return this.destinations[0].transform.apply(subject);
    let roll = random() * 100;
    for (const d of this.destinations) {
      if (roll < d.weight) return d.transform.apply(subject);
      roll -= d.weight;
    }
    return this.#remainderKeepsSubject ? subject : null;
  }
}

/** An account's mappings; the first rule whose source matches wins. */
export class SubjectMapper {
  readonly rules: readonly MappingRule[];

  constructor(rules: MappingRule[]) {
    this.rules = rules;
  }

  /** The rule for `subject`, or null when no mapping applies. */
  ruleFor(subject: string): MappingRule | null {
    for (const rule of this.rules) {
      if (rule.source === subject || matchSubject(subject, rule.source)) return rule;
    }
    return null;
  }
}

const FUNCTION_TOKEN = /^\{\{\s*([A-Za-z]+)\s*\((.*)\)\s*\}\}$/;

function parseToken(token: string): TokenFn {
  if (token === FULL_WILDCARD) return { kind: "rest" };
  if (/^\$\d+$/.test(token)) return { kind: "wildcard", index: Number(token.slice(1)) };
  const m = FUNCTION_TOKEN.exec(token);
  if (m === null) {
    if (token.includes("{{") || token === PARTIAL_WILDCARD) {
      throw new TransformError(`invalid mapping destination token "${token}"`);
    }
    return { kind: "literal", text: token };
  }
  const name = m[1].toLowerCase();
  const args = m[2].split(",").map((a) => a.trim());
  const int = (i: number) => {
    const n = Number(args[i]);
    if (!Number.isInteger(n) || args[i] === "") {
      throw new TransformError(`invalid argument "${args[i]}" in "${token}"`);
    }
    return n;
  };
  const want = (n: number) => {
    if (args.length !== n) throw new TransformError(`"${token}" takes ${n} arguments`);
  };
  switch (name) {
    case "wildcard":
      want(1);
      return { kind: "wildcard", index: int(0) };
    case "partition":
      if (args.length < 2) throw new TransformError(`"${token}" needs a count and tokens`);
      if (int(0) < 1) throw new TransformError(`"${token}": partition count must be positive`);
      return { kind: "partition", count: int(0), indexes: args.slice(1).map((_, i) => int(i + 1)) };
    case "split":
      want(2);
      if (args[1] === "") throw new TransformError(`"${token}": empty separator`);
      return { kind: "split", index: int(0), separator: args[1] };
    case "splitfromleft":
    case "splitfromright":
      want(2);
      return {
        kind: name === "splitfromleft" ? "splitFromLeft" : "splitFromRight",
        index: int(0),
        position: int(1),
      };
    case "slicefromleft":
    case "slicefromright":
      want(2);
      if (int(1) < 1) throw new TransformError(`"${token}": slice size must be positive`);
      return {
        kind: name === "slicefromleft" ? "sliceFromLeft" : "sliceFromRight",
        index: int(0),
        size: int(1),
      };
    default:
      throw new TransformError(`unknown mapping function "${m[1]}" in "${token}"`);
  }
}

function slice(token: string, size: number, fromLeft: boolean): string[] {
  const out: string[] = [];
  if (fromLeft) {
    for (let i = 0; i < token.length; i += size) out.push(token.slice(i, i + size));
  } else {
    const first = token.length % size;
    if (first > 0) out.push(token.slice(0, first));
    for (let i = first; i < token.length; i += size) out.push(token.slice(i, i + size));
  }
  return out;
}

/** FNV-1a (32-bit) over UTF-8 bytes: the hash nats-server's partition() uses. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
