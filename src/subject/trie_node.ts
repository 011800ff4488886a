/**
 * The sublist's trie nodes and the walks over them.
 *
 * Literal children are keyed by a 30-bit FNV-1a hash of the token's UTF-8 bytes (a small
 * integer, the cheapest Map key in V8), with a chain through `nextSameHash` for collisions and
 * the token kept on the node to tell them apart. A publish can then walk the trie straight
 * from the bytes in the read buffer: no token strings are made, and none has to be hashed.
 */

const DOT = 0x2e;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SMALL_INT = 0x3fffffff;
const TEXT = new TextEncoder();

export class TrieNode<T> {
  literal: Map<number, TrieNode<T>> | null = null;
  pwc: TrieNode<T> | null = null;
  fwc: TrieNode<T> | null = null;
  plain: Set<T> | null = null;
  queues: Map<string, Set<T>> | null = null;
  plainView: readonly T[] | null = null;
  queueView: readonly (readonly T[])[] | null = null;
  /** This node's token under its parent (literal children only). */
  token = "";
  /** The token's UTF-8 bytes when it is not pure ASCII (bytes compare against these). */
  tokenBytes: Uint8Array | null = null;
  /** The next literal sibling whose token hashes the same. */
  nextSameHash: TrieNode<T> | null = null;
}

/** Token boundaries and hashes of one subject, in reusable arrays (the walks never nest). */
export class TokenScratch {
  starts = new Int32Array(32);
  ends = new Int32Array(32);
  hashes = new Int32Array(32);
  count = 0;

  /** Splits `buf[s, e)` on dots, hashing each token on the way. */
  tokenize(buf: Uint8Array, s: number, e: number): void {
    let n = 0;
    let h = FNV_OFFSET;
    let start = s;
    for (let i = s; i <= e; i++) {
      if (i === e || buf[i] === DOT) {
        if (n === this.starts.length) this.#grow();
        this.starts[n] = start;
        this.ends[n] = i;
        this.hashes[n] = (h >>> 0) & SMALL_INT;
        n++;
        h = FNV_OFFSET;
        start = i + 1;
      } else {
        h = Math.imul(h ^ buf[i], FNV_PRIME);
      }
    }
    this.count = n;
  }

  #grow(): void {
    const size = this.starts.length * 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.hashes = grow(this.hashes);
  }
}

/** The hash `TokenScratch.tokenize` gives the UTF-8 bytes of `token`. */
export function tokenHash(token: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x80) return bytesHash(TEXT.encode(token));
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return (h >>> 0) & SMALL_INT;
}

function bytesHash(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return (h >>> 0) & SMALL_INT;
}

function isAscii(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) >= 0x80) return false;
  return true;
}

export function literalChild<T>(
  node: TrieNode<T>,
  token: string,
  hash: number,
): TrieNode<T> | null {
  let child = node.literal?.get(hash) ?? null;
  while (child !== null && child.token !== token) child = child.nextSameHash;
  return child;
}

function sameToken<T>(child: TrieNode<T>, buf: Uint8Array, s: number, e: number): boolean {
  const bytes = child.tokenBytes;
  if (bytes !== null) {
    if (bytes.length !== e - s) return false;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== buf[s + i]) return false;
    return true;
  }
  const token = child.token;
  if (token.length !== e - s) return false;
  for (let i = 0; i < token.length; i++) if (token.charCodeAt(i) !== buf[s + i]) return false;
  return true;
}

function literalChildAt<T>(node: TrieNode<T>, t: TokenScratch, buf: Uint8Array, i: number) {
  let child = node.literal!.get(t.hashes[i]) ?? null;
  while (child !== null && !sameToken(child, buf, t.starts[i], t.ends[i])) {
    child = child.nextSameHash;
  }
  return child;
}

export function addLiteralChild<T>(node: TrieNode<T>, token: string, hash: number): TrieNode<T> {
  const child = new TrieNode<T>();
  child.token = token;
  if (!isAscii(token)) child.tokenBytes = TEXT.encode(token);
  const map = node.literal ??= new Map();
  child.nextSameHash = map.get(hash) ?? null;
  map.set(hash, child);
  return child;
}

export function removeLiteralChild<T>(node: TrieNode<T>, child: TrieNode<T>, hash: number): void {
  const map = node.literal!;
  const head = map.get(hash)!;
  if (head === child) {
    if (child.nextSameHash === null) map.delete(hash);
    else map.set(hash, child.nextSameHash);
  } else {
    let prev = head;
    while (prev.nextSameHash !== child) prev = prev.nextSameHash!;
    prev.nextSameHash = child.nextSameHash;
  }
  if (map.size === 0) node.literal = null;
}

export function hasEntries<T>(node: TrieNode<T>): boolean {
  return node.plain !== null || node.queues !== null;
}

export function isPrunable<T>(node: TrieNode<T>): boolean {
  return node.plain === null && node.queues === null && node.literal === null &&
    node.pwc === null && node.fwc === null;
}

/** Pushes every node with entries that matches tokens[i..] of the subject in `buf`. */
export function collectMatches<T>(
  node: TrieNode<T>,
  t: TokenScratch,
  buf: Uint8Array,
  i: number,
  out: TrieNode<T>[],
): void {
  if (i === t.count) {
    if (hasEntries(node)) out.push(node);
    return;
  }
  // '>' here swallows tokens[i..], which is at least one token.
  if (node.fwc !== null && hasEntries(node.fwc)) out.push(node.fwc);
  if (node.pwc !== null) collectMatches(node.pwc, t, buf, i + 1, out);
  if (node.literal !== null) {
    const child = literalChildAt(node, t, buf, i);
    if (child !== null) collectMatches(child, t, buf, i + 1, out);
  }
}

/** Like collectMatches, but stops at the first node with entries. */
export function anyMatch<T>(
  node: TrieNode<T>,
  t: TokenScratch,
  buf: Uint8Array,
  i: number,
): boolean {
  if (i === t.count) return hasEntries(node);
  if (node.fwc !== null && hasEntries(node.fwc)) return true;
  if (node.pwc !== null && anyMatch(node.pwc, t, buf, i + 1)) return true;
  if (node.literal === null) return false;
  const child = literalChildAt(node, t, buf, i);
  return child !== null && anyMatch(child, t, buf, i + 1);
}
