/**
 * The subscription index: a trie of subject tokens with dedicated `*` and `>` slots, a bounded
 * match cache and a generation id (nats-server's sublist). It owns which entries match a literal
 * subject, grouped into plain subscribers and queue groups; it knows nothing about connections.
 *
 * Invariants the hot path relies on:
 * - Subjects given to insert/remove/match were validated by the caller.
 * - A MatchResult, once returned, is never mutated: node views are replaced, not edited, when
 *   their node changes, and cached results are dropped (not patched) when a change could affect
 *   them. Callers may therefore hold results across later inserts/removes.
 * - Empty trie nodes are pruned on remove, so subscribe/unsubscribe churn does not grow memory.
 */

import { TwoGenCache } from "../util/two_gen_cache.ts";
import {
  addLiteralChild,
  anyMatch,
  collectMatches,
  isPrunable,
  literalChild,
  removeLiteralChild,
  tokenHash,
  TokenScratch,
  TrieNode,
} from "./trie_node.ts";
import { FULL_WILDCARD, matchSubjectTokens, PARTIAL_WILDCARD, tokenizeSubject } from "./subject.ts";

export interface SublistEntry {
  readonly subject: string;
  /** Queue group name; null (or "") for a plain subscription. */
  readonly queue: string | null;
}

export interface MatchResult<T> {
  /** Non-queue subscribers. */
  readonly plain: readonly T[];
  /** One array per queue group name with at least one matching member. */
  readonly queues: readonly (readonly T[])[];
}

export interface SublistOptions {
  /** Maximum cached subjects before a chunk is evicted. Default 1024. */
  cacheSize?: number;
  /** Default true. */
  cache?: boolean;
}

export interface SublistStats {
  numSubscriptions: number;
  numCache: number;
  numInserts: number;
  numRemoves: number;
  numMatches: number;
  cacheHitRate: number;
  maxFanout: number;
  avgFanout: number;
}

export const DEFAULT_CACHE_SIZE = 1024;
const SUBJECT_ENCODER = new TextEncoder();
/** Up to this many removals in one batch invalidate the cache entry by entry. */
const BATCH_INVALIDATE_LIMIT = 16;

// Frozen because they are shared by every caller: a stray push would poison all later matches.
const EMPTY_ARRAY: readonly never[] = Object.freeze([]);
export const EMPTY_RESULT: MatchResult<never> = Object.freeze({
  plain: EMPTY_ARRAY,
  queues: EMPTY_ARRAY,
});

function plainView<T>(node: TrieNode<T>): readonly T[] {
  return node.plainView ??= Array.from(node.plain!);
}

function queueView<T>(node: TrieNode<T>): readonly (readonly T[])[] {
  if (node.queueView === null) {
    const view: T[][] = [];
    for (const group of node.queues!.values()) view.push(Array.from(group));
    node.queueView = view;
  }
  return node.queueView;
}

/** Builds the immutable result for the matching nodes, reusing node views when one node suffices. */
function buildResult<T>(nodes: readonly TrieNode<T>[]): MatchResult<T> {
  let plainNode: TrieNode<T> | null = null;
  let plainCount = 0;
  let queueNode: TrieNode<T> | null = null;
  let queueCount = 0;
  for (const node of nodes) {
    if (node.plain !== null) {
      plainNode = node;
      plainCount++;
    }
    if (node.queues !== null) {
      queueNode = node;
      queueCount++;
    }
  }

  let plain: readonly T[] = EMPTY_ARRAY;
  if (plainCount === 1) {
    plain = plainView(plainNode!);
  } else if (plainCount > 1) {
    const merged: T[] = [];
    for (const node of nodes) {
      if (node.plain !== null) { for (const e of node.plain) merged.push(e); }
    }
    plain = merged;
  }

  let queues: readonly (readonly T[])[] = EMPTY_ARRAY;
  if (queueCount === 1) {
    queues = queueView(queueNode!);
  } else if (queueCount > 1) {
    // Same group name on different nodes (`foo.*` and `foo.bar`) is one group for this subject.
    const byName = new Map<string, T[]>();
    for (const node of nodes) {
      if (node.queues === null) continue;
      for (const [name, group] of node.queues) {
        let members = byName.get(name);
        if (members === undefined) byName.set(name, members = []);
        for (const e of group) members.push(e);
      }
    }
    queues = Array.from(byName.values());
  }

  if (plain.length === 0 && queues.length === 0) return EMPTY_RESULT;
  return { plain, queues };
}

function isQueueEntry(entry: SublistEntry): entry is SublistEntry & { queue: string } {
  return entry.queue !== null && entry.queue.length > 0;
}

export class Sublist<T extends SublistEntry> {
  #root = new TrieNode<T>();
  #nodeCount = 0;
  #count = 0;
  #genId = 0;
  #cache: TwoGenCache<string, MatchResult<T>> | null;
  #cacheSize: number;
  #numInserts = 0;
  #numRemoves = 0;
  #numMatches = 0;
  #cacheHits = 0;
  // The last subject looked up through the cache and its result. A publisher usually repeats one
  // subject, and comparing strings is far cheaper than hashing the fresh string the parser hands
  // us for every message. Reset on every change, like the cache.
  #lastSubject: string | null = null;
  #lastResult: MatchResult<T> = EMPTY_RESULT;
  #tokens = new TokenScratch();
  #found: TrieNode<T>[] = [];
  #scratch = new Uint8Array(256);

  constructor(opts: SublistOptions = {}) {
    this.#cacheSize = Math.max(0, Math.floor(opts.cacheSize ?? DEFAULT_CACHE_SIZE));
    const enabled = (opts.cache ?? true) && this.#cacheSize > 0;
    this.#cache = enabled ? new TwoGenCache(this.#cacheSize) : null;
  }

  /** Number of entries. */
  get count(): number {
    return this.#count;
  }

  /** Changes on every successful insert/remove, so outer caches can check they are current. */
  get genId(): number {
    return this.#genId;
  }

  /** Trie nodes below the root; for tests and diagnostics (shows pruning works). */
  get nodeCount(): number {
    return this.#nodeCount;
  }

  /** Adds an entry; inserting the same object twice is a no-op. */
  insert(entry: T): void {
    const tokens = tokenizeSubject(entry.subject);
    let node = this.#root;
    for (const token of tokens) {
      let next: TrieNode<T> | null;
      if (token === PARTIAL_WILDCARD) {
        next = node.pwc ??= this.#newNode();
      } else if (token === FULL_WILDCARD) {
        next = node.fwc ??= this.#newNode();
      } else {
        const hash = tokenHash(token);
        next = literalChild(node, token, hash);
        if (next === null) {
          next = addLiteralChild(node, token, hash);
          this.#nodeCount++;
        }
      }
      node = next;
    }

    if (isQueueEntry(entry)) {
      const queues = node.queues ??= new Map();
      let group = queues.get(entry.queue);
      if (group === undefined) queues.set(entry.queue, group = new Set());
      else if (group.has(entry)) return;
      group.add(entry);
      node.queueView = null;
    } else {
      const plain = node.plain ??= new Set();
      if (plain.has(entry)) return;
      plain.add(entry);
      node.plainView = null;
    }

    this.#count++;
    this.#numInserts++;
    this.#genId++;
    this.#invalidate(entry.subject, tokens);
  }

  /** Removes an entry (by identity); false when it was not in the list. */
  remove(entry: T): boolean {
    return this.#removeOne(entry, true);
  }

  /**
   * Removes many entries at once (a connection closing). Past a handful, dropping the whole
   * cache once is far cheaper than checking every cached subject against every removed
   * wildcard, which made closing a connection with 100k subscriptions take seconds.
   */
  removeBatch(entries: Iterable<T>): number {
    const list = Array.isArray(entries) ? entries as T[] : [...entries];
    const invalidateEach = list.length <= BATCH_INVALIDATE_LIMIT;
    let removed = 0;
    for (const entry of list) if (this.#removeOne(entry, invalidateEach)) removed++;
    if (!invalidateEach && removed > 0) {
      this.#cache?.clear();
      this.#lastSubject = null;
      this.#lastResult = EMPTY_RESULT;
    }
    return removed;
  }

  #removeOne(entry: T, invalidate: boolean): boolean {
    const tokens = tokenizeSubject(entry.subject);
    // path[i] is the node for tokens[0..i); kept for pruning on the way back up.
    const path: TrieNode<T>[] = [this.#root];
    let node = this.#root;
    for (const token of tokens) {
      const next = token === PARTIAL_WILDCARD
        ? node.pwc
        : token === FULL_WILDCARD
        ? node.fwc
        : literalChild(node, token, tokenHash(token));
      if (next === null) return false;
      node = next;
      path.push(node);
    }

    let removed = false;
    if (isQueueEntry(entry)) {
      const group = node.queues?.get(entry.queue);
      if (group !== undefined && group.delete(entry)) {
        removed = true;
        if (group.size === 0) {
          node.queues!.delete(entry.queue);
          if (node.queues!.size === 0) node.queues = null;
        }
        node.queueView = null;
      }
    } else if (node.plain !== null && node.plain.delete(entry)) {
      removed = true;
      if (node.plain.size === 0) node.plain = null;
      node.plainView = null;
    }

    if (!removed) return false;

    this.#prune(path, tokens);
    this.#count--;
    this.#numRemoves++;
    this.#genId++;
    if (invalidate) this.#invalidate(entry.subject, tokens);
    return true;
  }

  /**
   * Entries matching a literal subject. The result is shared (and may be cached): callers must
   * not mutate it. An empty match is always EMPTY_RESULT.
   */
  match(subject: string): MatchResult<T> {
    this.#numMatches++;
    const cache = this.#cache;
    if (cache !== null) {
      if (subject === this.#lastSubject) {
        this.#cacheHits++;
        return this.#lastResult;
      }
      const hit = cache.get(subject);
      if (hit !== undefined) {
        this.#cacheHits++;
        this.#lastSubject = subject;
        this.#lastResult = hit;
        return hit;
      }
    }

    const bytes = this.#encode(subject);
    const result = this.#walk(bytes, 0, bytes.length);

    if (cache !== null) {
      cache.set(subject, result);
      this.#lastSubject = subject;
      this.#lastResult = result;
    }
    return result;
  }

  /**
   * Entries matching the literal subject `buf[start, end)`, walked from the bytes: the path of
   * a publish whose subject was not in its connection's cache. Not cached here (the caller's
   * byte-keyed cache holds it); the result is shared all the same and must not be mutated.
   */
  matchBytes(buf: Uint8Array, start: number, end: number): MatchResult<T> {
    this.#numMatches++;
    return this.#walk(buf, start, end);
  }

  /** Is there any entry matching this literal subject? Does not build or cache a result. */
  hasInterest(subject: string): boolean {
    const hit = this.#cache?.get(subject);
    if (hit !== undefined) return hit !== EMPTY_RESULT;
    const bytes = this.#encode(subject);
    this.#tokens.tokenize(bytes, 0, bytes.length);
    return anyMatch(this.#root, this.#tokens, bytes, 0);
  }

  #walk(buf: Uint8Array, start: number, end: number): MatchResult<T> {
    const tokens = this.#tokens;
    tokens.tokenize(buf, start, end);
    const nodes = this.#found;
    nodes.length = 0;
    collectMatches(this.#root, tokens, buf, 0, nodes);
    const result = nodes.length === 0 ? EMPTY_RESULT : buildResult(nodes);
    nodes.length = 0;
    return result;
  }

  /** The subject's UTF-8 bytes in a reused buffer (valid until the next call). */
  #encode(subject: string): Uint8Array {
    if (this.#scratch.length < subject.length * 3) {
      this.#scratch = new Uint8Array(Math.max(256, subject.length * 3));
    }
    const { written } = SUBJECT_ENCODER.encodeInto(subject, this.#scratch);
    return this.#scratch.subarray(0, written);
  }

  #newNode(): TrieNode<T> {
    this.#nodeCount++;
    return new TrieNode<T>();
  }

  /** All entries, in no particular order (for /subsz and interest propagation). */
  entries(): T[] {
    const out: T[] = [];
    const stack: TrieNode<T>[] = [this.#root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.plain !== null) { for (const e of node.plain) out.push(e); }
      if (node.queues !== null) {
        for (const group of node.queues.values()) for (const e of group) out.push(e);
      }
      if (node.literal !== null) {
        for (const child of node.literal.values()) {
          for (let c: TrieNode<T> | null = child; c !== null; c = c.nextSameHash) stack.push(c);
        }
      }
      if (node.pwc !== null) stack.push(node.pwc);
      if (node.fwc !== null) stack.push(node.fwc);
    }
    return out;
  }

  /**
   * Counters as nats-server's /subsz reports them. Like nats-server, fanout is measured over the
   * cached results, counting each queue group once (one member of it receives the message).
   */
  stats(): SublistStats {
    let maxFanout = 0;
    let totalFanout = 0;
    const cache = this.#cache;
    if (cache !== null) {
      for (const r of cache.values()) {
        const fanout = r.plain.length + r.queues.length;
        totalFanout += fanout;
        if (fanout > maxFanout) maxFanout = fanout;
      }
    }
    const numCache = cache?.size ?? 0;
    return {
      numSubscriptions: this.#count,
      numCache,
      numInserts: this.#numInserts,
      numRemoves: this.#numRemoves,
      numMatches: this.#numMatches,
      cacheHitRate: this.#numMatches === 0 ? 0 : this.#cacheHits / this.#numMatches,
      maxFanout,
      avgFanout: numCache === 0 ? 0 : totalFanout / numCache,
    };
  }

  /** Unlinks now-empty nodes from the leaf of `path` upwards. */
  #prune(path: readonly TrieNode<T>[], tokens: readonly string[]): void {
    for (let i = tokens.length; i > 0; i--) {
      const node = path[i];
      if (!isPrunable(node)) return;
      const parent = path[i - 1];
      const token = tokens[i - 1];
      if (token === PARTIAL_WILDCARD) parent.pwc = null;
      else if (token === FULL_WILDCARD) parent.fwc = null;
      else removeLiteralChild(parent, node, tokenHash(token));
      this.#nodeCount--;
    }
  }

  /**
   * Drops cached results a change to `subject` could affect. A literal subject can only affect its
   * own key; a wildcard affects the cached subjects it matches (the cache is bounded, so the walk is).
   */
  #invalidate(subject: string, tokens: readonly string[]): void {
    this.#lastSubject = null;
    this.#lastResult = EMPTY_RESULT;
    const cache = this.#cache;
    if (cache === null || cache.size === 0) return;
    let wildcard = false;
    for (const t of tokens) {
      if (t === PARTIAL_WILDCARD || t === FULL_WILDCARD) {
        wildcard = true;
        break;
      }
    }
    if (!wildcard) {
      cache.delete(subject);
      return;
    }
    // Deleting the current key during Map iteration is safe in JS.
    for (const key of cache.keys()) {
      if (matchSubjectTokens(key, tokens)) cache.delete(key);
    }
  }
}
