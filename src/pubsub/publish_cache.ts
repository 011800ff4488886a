/**
 * A publisher's cache of recent subjects, keyed by the subject's bytes, so the publish path
 * neither decodes a string nor walks the trie for a subject it has seen since the last
 * subscription change (nats-server keeps the same per-client cache). Entries are checked
 * against the sublist's generation id and are refreshed, not trusted, after any change.
 */
import type { MatchResult, Sublist, SublistEntry } from "../subject/sublist.ts";
import { bytesEqual, decodeAscii } from "../util/bytes.ts";

/** Enough for publishers that cycle over many subjects; cleared whole when full. */
const MAX_ENTRIES = 256;

interface CacheEntry<T> {
  bytes: Uint8Array;
  subject: string;
  genId: number;
  result: MatchResult<T>;
}

export class PublishCache<T extends SublistEntry> {
  /** The decoded subject of the latest lookup. */
  lastSubject = "";
  #sublist: Sublist<T>;
  #entries = new Map<number, CacheEntry<T>>();

  constructor(sublist: Sublist<T>) {
    this.#sublist = sublist;
  }

  /** The match result for the subject `buf[start, end)`. */
  lookup(buf: Uint8Array, start: number, end: number): MatchResult<T> {
    const key = hashBytes(buf, start, end);
    const entry = this.#entries.get(key);
    const sublist = this.#sublist;
    if (entry !== undefined && bytesEqual(entry.bytes, 0, entry.bytes.length, buf, start, end)) {
      this.lastSubject = entry.subject;
      if (entry.genId !== sublist.genId) {
        entry.genId = sublist.genId;
        entry.result = sublist.match(entry.subject);
      }
      return entry.result;
    }
    const subject = decodeAscii(buf, start, end);
    this.lastSubject = subject;
    const genId = sublist.genId;
    const result = sublist.match(subject);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, { bytes: buf.slice(start, end), subject, genId, result });
    return result;
  }
}

/** FNV-1a over the subject bytes. Collisions only cost a miss: entries compare bytes. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
