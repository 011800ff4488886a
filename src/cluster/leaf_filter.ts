/**
 * A deny list of subjects for one leaf link (`deny_imports`, `deny_exports`, or the `deny_pub`
 * a leaf sends in its CONNECT). A subject is denied when it lies within one of the patterns;
 * verdicts for literal subjects are cached, since the same few subjects cross a link again and
 * again.
 */
import { subjectIsSubsetOf } from "../subject/subject.ts";
import { decodeAscii } from "../util/bytes.ts";

const CACHE_LIMIT = 1024;

/**
 * What nats-server denies both ways on every leaf link of a non-system account unless the
 * JetStream domains are set up to extend (Skiff has no domains yet): JetStream's API, KV and
 * object store subjects, so two servers' JetStreams never both answer one request.
 */
export const JETSTREAM_DENY: readonly string[] = ["$JS.API.>", "$KV.>", "$OBJ.>"];

export class SubjectDenyList {
  readonly patterns: readonly string[];
  #cache = new Map<string, boolean>();
  /** First bytes a denied subject can start with; null when a pattern starts with a wildcard. */
  #firsts: Set<number> | null = new Set();

  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    for (const p of patterns) {
      if (p[0] === "*" || p[0] === ">") this.#firsts = null;
      else this.#firsts?.add(p.charCodeAt(0));
    }
  }

  /** `denies` for the subject `buf[s, e)`, without decoding it when its first byte rules it out. */
  deniesBytes(buf: Uint8Array, s: number, e: number): boolean {
    if (this.patterns.length === 0) return false;
    if (this.#firsts !== null && !this.#firsts.has(buf[s])) return false;
    return this.denies(decodeAscii(buf, s, e));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** True when `subject` (literal or wildcard) is wholly inside a denied pattern. */
  denies(subject: string): boolean {
    if (this.patterns.length === 0) return false;
    const hit = this.#cache.get(subject);
    if (hit !== undefined) return hit;
    let denied = false;
    for (const p of this.patterns) {
      if (subjectIsSubsetOf(subject, p)) {
        denied = true;
        break;
      }
    }
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(subject, denied);
    return denied;
  }

  /** A list denying both this list's patterns and `more`. */
  with(more: readonly string[]): SubjectDenyList {
    return more.length === 0 ? this : new SubjectDenyList([...this.patterns, ...more]);
  }
}

export const NO_DENY = new SubjectDenyList([]);
