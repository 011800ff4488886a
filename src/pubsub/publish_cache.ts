/**
 * A publisher's cache of recent subjects, keyed by the subject's bytes, so the publish path
 * neither decodes a string nor walks the trie for a subject it has seen since the last
 * subscription change (nats-server keeps the same per-client cache). Entries are checked
 * against the sublist's generation id and are refreshed, not trusted, after any change.
 * Account mappings are resolved here too: a deterministic mapping is cached with the subject,
 * a weighted one is rolled for every message.
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
  subject: string;
  genId: number;
  result: MatchResult<T>;
  /** The deterministically mapped subject, or null when no mapping applies. */
  mapped: string | null;
  /** A weighted mapping, applied per message; null otherwise. */
  weighted: MappingRule | null;
}

export class PublishCache<T extends SublistEntry> {
  /** The decoded subject of the latest lookup. */
  lastSubject = "";
  /** The subject the latest lookup was mapped to, or null when it was not mapped. */
  lastMapped: string | null = null;
  #sublist: Sublist<T>;
  #mapper: SubjectMapper | null;
  #entries = new TwoGenCache<number, CacheEntry<T>>(MAX_ENTRIES);

  constructor(sublist: Sublist<T>, mapper: SubjectMapper | null = null) {
    this.#sublist = sublist;
    this.#mapper = mapper;
  }

  /** The match result for the subject `buf[start, end)`. */
  lookup(buf: Uint8Array, start: number, end: number): MatchResult<T> {
    const key = hashBytes(buf, start, end);
    const entry = this.#entries.get(key);
    const sublist = this.#sublist;
    if (entry !== undefined && bytesEqual(entry.bytes, 0, entry.bytes.length, buf, start, end)) {
      this.lastSubject = entry.subject;
      if (entry.weighted !== null) return this.#rollWeighted(entry.weighted, entry.subject);
      this.lastMapped = entry.mapped;
      if (entry.genId !== sublist.genId) {
        entry.genId = sublist.genId;
        entry.result = sublist.match(entry.mapped ?? entry.subject);
      }
      return entry.result;
    }
    const subject = decodeAscii(buf, start, end);
    this.lastSubject = subject;
    const rule = this.#mapper?.ruleFor(subject) ?? null;
    const weighted = rule !== null && !rule.deterministic ? rule : null;
    const mapped = rule !== null && rule.deterministic ? rule.map(subject) : null;
    const genId = sublist.genId;
    const result = weighted !== null ? EMPTY_RESULT : sublist.match(mapped ?? subject);
    this.#entries.set(key, {
      bytes: buf.slice(start, end),
      subject,
      genId,
      result,
      mapped,
      weighted,
    });
    if (weighted !== null) return this.#rollWeighted(weighted, subject);
    this.lastMapped = mapped;
    return result;
  }

  #rollWeighted(rule: MappingRule, subject: string): MatchResult<T> {
    const mapped = rule.map(subject);
    // The unweighted remainder of a mapping drops the message.
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
