/**
 * A publisher's cache of recent subjects, keyed by the subject's bytes, so the publish path
 * neither decodes a string nor walks the trie for a subject it has seen since the last
 * subscription change (nats-server keeps the same per-client cache). Entries are checked
 * against the sublist's generation id and are refreshed, not trusted, after any change.
 * A miss walks the trie straight from the bytes. Account mappings are resolved here too: a
 * deterministic mapping is cached with the subject, a weighted one is rolled for every message.
 */
import {
  EMPTY_RESULT,
  type MatchResult,
  type Sublist,
  type SublistEntry,
} from "../subject/sublist.ts";
import type { MappingRule, SubjectMapper } from "../subject/transform.ts";
import { bytesEqual, decodeAscii } from "../util/bytes.ts";
import { TwoGenCache } from "../util/two_gen_cache.ts";

/** Enough for publishers that cycle over a thousand subjects, as the sublist's cache holds. */
const MAX_ENTRIES = 2048;

interface CacheEntry<T> {
  bytes: Uint8Array;
  /** Decoded on first need: most publishes never need the subject as a string. */
  subject: string | null;
  genId: number;
  result: MatchResult<T>;
  /** The deterministically mapped subject, or null when no mapping applies. */
  mapped: string | null;
  /** A weighted mapping, applied per message; null otherwise. */
  weighted: MappingRule | null;
}

export class PublishCache<T extends SublistEntry> {
  /** The subject the latest lookup was mapped to, or null when it was not mapped. */
  lastMapped: string | null = null;
  #sublist: Sublist<T>;
  #mapper: SubjectMapper | null;
  #entries = new TwoGenCache<number, CacheEntry<T>>(MAX_ENTRIES);
  #last: CacheEntry<T> | null = null;

  constructor(sublist: Sublist<T>, mapper: SubjectMapper | null = null) {
    this.#sublist = sublist;
    this.#mapper = mapper;
  }

  /** The match result for the subject `buf[start, end)`. */
  lookup(buf: Uint8Array, start: number, end: number): MatchResult<T> {
    const sublist = this.#sublist;
    // Publishers mostly repeat one subject: try the last one before hashing.
    const last = this.#last;
    let entry = last !== null && bytesEqual(last.bytes, 0, last.bytes.length, buf, start, end)
      ? last
      : undefined;
    let key = -1;
    if (entry === undefined) {
      key = hashBytes(buf, start, end);
      entry = this.#entries.get(key);
      if (entry !== undefined && !bytesEqual(entry.bytes, 0, entry.bytes.length, buf, start, end)) {
        entry = undefined;
      }
    }
    if (entry !== undefined) {
      if (entry.weighted === null && entry.genId !== sublist.genId) {
        entry.genId = sublist.genId;
        entry.result = entry.mapped !== null
          ? sublist.match(entry.mapped)
          : sublist.matchBytes(entry.bytes, 0, entry.bytes.length);
      }
    } else {
      entry = this.#newEntry(buf.slice(start, end));
      this.#entries.set(key, entry);
    }
    this.#last = entry;
    if (entry.weighted !== null) return this.#rollWeighted(entry.weighted, entry.subject!);
    this.lastMapped = entry.mapped;
    return entry.result;
  }

  /** The subject of the latest lookup, as a string. */
  get lastSubject(): string {
    const e = this.#last!;
    return e.subject ??= decodeAscii(e.bytes, 0, e.bytes.length);
  }

  #newEntry(bytes: Uint8Array): CacheEntry<T> {
    const sublist = this.#sublist;
    const genId = sublist.genId;
    let subject: string | null = null;
    let rule: MappingRule | null = null;
    if (this.#mapper !== null) {
      subject = decodeAscii(bytes, 0, bytes.length);
      rule = this.#mapper.ruleFor(subject);
    }
    const weighted = rule !== null && !rule.deterministic ? rule : null;
    const mapped = rule !== null && rule.deterministic ? rule.map(subject!) : null;
    const result = weighted !== null
      ? EMPTY_RESULT
      : mapped !== null
      ? sublist.match(mapped)
      : sublist.matchBytes(bytes, 0, bytes.length);
    return { bytes, subject, genId, result, mapped, weighted };
  }

  #rollWeighted(rule: MappingRule, subject: string): MatchResult<T> {
    const mapped = rule.map(subject);
    // A weighted mapping may drop the message (a destination equal to its source).
    this.lastMapped = mapped;
    return mapped === null ? EMPTY_RESULT : this.#sublist.match(mapped);
  }
}

/** FNV-1a over the subject bytes. Collisions only cost a miss: entries compare bytes. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  // Kept within the small-integer range: larger numbers are boxed, and slow as Map keys.
  return h & 0x3fffffff;
}
