/**
 * Password and token checks: plain secrets compared in constant time, bcrypt hashes (`$2a$`,
 * `$2b$`, `$2x$`, `$2y$`, as nats-server's `isBcrypt`) through bcryptjs, with a cache of
 * successful bcrypt verifications.
 *
 * Why the cache: bcrypt at the usual cost (10-11) takes tens of milliseconds of CPU, and in a
 * single-threaded server a synchronous compare stalls every connection. A reconnect storm (a
 * thousand clients of one service coming back after a restart) would cost a thousand compares
 * of the same credentials. So a successful (hash, password) pair is remembered:
 * - key: HMAC-SHA256 under a random per-verifier secret of (hash, password), so the cache never
 *   holds a password, and a memory dump gives no offline shortcut without that secret;
 * - only successes are cached: a wrong password always pays the full bcrypt cost, as in
 *   nats-server, so guessing is not sped up;
 * - bounded LRU (default 1024 entries); a hit moves the entry to the back;
 * - no expiry is needed: the stored hash is part of the key, and a config reload builds a new
 *   verifier, so a changed or removed password can never hit an old entry;
 * - the async path also coalesces concurrent checks of the same pair into one bcrypt run.
 */

import bcrypt from "bcryptjs";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64UrlEncode } from "./_base64.ts";

export const DEFAULT_BCRYPT_CACHE_SIZE = 1024;

const BCRYPT_PREFIX = /^\$2[abxy]\$\d{2}\$/;

/** nats-server's `isBcrypt`: `$2a$`, `$2b$`, `$2x$` or `$2y$` followed by a 2-digit cost. */
export function isBcrypt(secret: string): boolean {
  return secret.startsWith("$") && BCRYPT_PREFIX.test(secret);
}

/** bcryptjs knows a, b and y; Go's bcrypt treats x the same way, so read it as a. */
function normalizeHash(hash: string): string {
  return hash[2] === "x" ? `$2a${hash.slice(3)}` : hash;
}

const encoder = new TextEncoder();

/** Compares two strings without an early exit on the first differing byte. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

export interface PasswordVerifierOptions {
  /** Maximum remembered successful bcrypt checks; 0 disables the cache. */
  cacheSize?: number;
}

export class PasswordVerifier {
  #secret = crypto.getRandomValues(new Uint8Array(32));
  #cache = new Map<string, true>();
  #cacheSize: number;
  #inflight = new Map<string, Promise<boolean>>();
  /** bcrypt compares actually run (cache misses); for tests and stats. */
  bcryptRuns = 0;

  constructor(opts: PasswordVerifierOptions = {}) {
    this.#cacheSize = Math.max(0, Math.floor(opts.cacheSize ?? DEFAULT_BCRYPT_CACHE_SIZE));
  }

  /** Remembered successful checks. */
  get cached(): number {
    return this.#cache.size;
  }

  /** Does `given` match `stored` (plain or bcrypt)? Synchronous: a cache miss blocks on bcrypt. */
  verify(stored: string, given: string): boolean {
    if (!isBcrypt(stored)) return constantTimeEqual(stored, given);
    const key = this.#key(stored, given);
    if (this.#hit(key)) return true;
    this.bcryptRuns++;
    const ok = safeCompareSync(given, normalizeHash(stored));
    if (ok) this.#remember(key);
    return ok;
  }

  /**
   * Like `verify` but bcrypt runs in bcryptjs's chunked async mode, so other connections keep
   * being served meanwhile; concurrent checks of the same pair share one run.
   */
  verifyAsync(stored: string, given: string): Promise<boolean> {
    if (!isBcrypt(stored)) return Promise.resolve(constantTimeEqual(stored, given));
    const key = this.#key(stored, given);
    if (this.#hit(key)) return Promise.resolve(true);
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending;
    this.bcryptRuns++;
    const run = bcrypt.compare(given, normalizeHash(stored))
      .catch(() => false)
      .then((ok) => {
        if (ok) this.#remember(key);
        return ok;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, run);
    return run;
  }

  #key(stored: string, given: string): string {
    // Length-prefixed so that no two different pairs concatenate to the same bytes.
    const msg = encoder.encode(`${stored.length}:${stored}${given}`);
    return base64UrlEncode(hmac(sha256, this.#secret, msg));
  }

  #hit(key: string): boolean {
    if (!this.#cache.has(key)) return false;
    this.#cache.delete(key);
    this.#cache.set(key, true);
    return true;
  }

  #remember(key: string): void {
    if (this.#cacheSize === 0) return;
    this.#cache.set(key, true);
    if (this.#cache.size > this.#cacheSize) {
      // Map iteration is insertion order: the first key is the least recently used.
      this.#cache.delete(this.#cache.keys().next().value!);
    }
  }
}

function safeCompareSync(given: string, hash: string): boolean {
  try {
    return bcrypt.compareSync(given, hash);
  } catch {
    return false; // a malformed hash in the config never matches
  }
}
