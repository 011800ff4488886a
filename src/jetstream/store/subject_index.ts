/**
 * Per-subject state of a store: message count, first and last sequence, kept for every subject
 * that has messages, so last-by-subject, per-subject limits and KV lookups never scan. Each
 * subject also gets a small integer id (reused after the subject empties) that the message index
 * stores per message instead of the string.
 *
 * Also the filter helpers every query uses: "" and ">" match everything, a filter without
 * wildcard tokens is a literal subject, anything else is matched token-wise.
 */

import { matchSubjectTokens, subjectHasWildcard, tokenizeSubject } from "../../subject/mod.ts";

export interface SubjectState {
  readonly id: number;
  readonly subject: string;
  msgs: number;
  /** Oldest and newest sequence of this subject (0 when it has no messages). */
  first: number;
  last: number;
}

/** Filters whose matching-subject lists are remembered (until a subject comes or goes). */
const MATCH_CACHE_SIZE = 64;

export class SubjectIndex {
  #bySubject = new Map<string, SubjectState>();
  #byId: (SubjectState | undefined)[] = [];
  #freeIds: number[] = [];
  /** Bumped whenever a subject appears or disappears: invalidates `#matchCache`. */
  #generation = 0;
  #matchCache = new Map<string, { generation: number; subjects: SubjectState[] }>();

  get size(): number {
    return this.#bySubject.size;
  }

  /** One past the largest id handed out: sizes per-id scratch arrays. */
  get idLimit(): number {
    return this.#byId.length;
  }

  get(subject: string): SubjectState | undefined {
    return this.#bySubject.get(subject);
  }

  byId(id: number): SubjectState | undefined {
    return this.#byId[id];
  }

  /** The subject's state, created (empty) when the subject is new. */
  acquire(subject: string): SubjectState {
    let s = this.#bySubject.get(subject);
    if (s !== undefined) return s;
    const id = this.#freeIds.length > 0 ? this.#freeIds.pop()! : this.#byId.length;
    s = { id, subject, msgs: 0, first: 0, last: 0 };
    this.#generation++;
    this.#bySubject.set(subject, s);
    this.#byId[id] = s;
    return s;
  }

  /** Forgets a subject whose last message is gone; its id may be handed out again. */
  release(s: SubjectState): void {
    this.#generation++;
    this.#bySubject.delete(s.subject);
    this.#byId[s.id] = undefined;
    this.#freeIds.push(s.id);
  }

  clear(): void {
    this.#generation++;
    this.#bySubject.clear();
    this.#byId = [];
    this.#freeIds = [];
  }

  values(): IterableIterator<SubjectState> {
    return this.#bySubject.values();
  }

  /**
   * Subjects matching `filter` as an array, remembered per filter until a subject appears or
   * disappears (message counts inside the states stay live). The caller must not modify it.
   */
  matchingList(filter: string): readonly SubjectState[] {
    const hit = this.#matchCache.get(filter);
    if (hit !== undefined && hit.generation === this.#generation) return hit.subjects;
    const subjects = [...this.matching(filter)];
    if (this.#matchCache.size >= MATCH_CACHE_SIZE) this.#matchCache.clear();
    this.#matchCache.set(filter, { generation: this.#generation, subjects });
    return subjects;
  }

  /** Subjects matching `filter`, in no particular order. */
  *matching(filter: string): Generator<SubjectState> {
    if (isAllFilter(filter)) {
      yield* this.#bySubject.values();
      return;
    }
    if (!subjectHasWildcard(filter)) {
      const s = this.#bySubject.get(filter);
      if (s !== undefined) yield s;
      return;
    }
    const tokens = tokenizeSubject(filter);
    for (const s of this.#bySubject.values()) {
      if (matchSubjectTokens(s.subject, tokens)) yield s;
    }
  }
}

/** "" and ">" select every message. */
export function isAllFilter(filter: string): boolean {
  return filter === "" || filter === ">";
}

/**
 * Answers "does subject id N match this filter?" with a per-id memo, so a scan over many
 * messages tests each distinct subject once. Valid only while no subject is released (ids are
 * reused), i.e. within one synchronous query.
 */
export class FilterMatcher {
  readonly all: boolean;
  readonly literal: string | null;
  #tokens: string[] | null;
  #subjects: SubjectIndex;
  #memo: Uint8Array;

  constructor(filter: string, subjects: SubjectIndex) {
    this.all = isAllFilter(filter);
    this.literal = !this.all && !subjectHasWildcard(filter) ? filter : null;
    this.#tokens = this.all || this.literal !== null ? null : tokenizeSubject(filter);
    this.#subjects = subjects;
    this.#memo = new Uint8Array(this.#tokens === null ? 0 : subjects.idLimit);
  }

  matchesId(id: number): boolean {
    if (this.all) return true;
    if (this.literal !== null) return this.#subjects.byId(id)?.subject === this.literal;
    if (id >= this.#memo.length) return this.#test(id);
    const m = this.#memo[id];
    if (m !== 0) return m === 1;
    const r = this.#test(id);
    this.#memo[id] = r ? 1 : 2;
    return r;
  }

  matchesSubject(subject: string): boolean {
    if (this.all) return true;
    if (this.literal !== null) return subject === this.literal;
    return matchSubjectTokens(subject, this.#tokens!);
  }

  #test(id: number): boolean {
    const s = this.#subjects.byId(id);
    return s !== undefined && matchSubjectTokens(s.subject, this.#tokens!);
  }
}
