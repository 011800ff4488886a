/**
 * NKeys (Ed25519 keys in NATS's base32 + CRC16 armour) as the server needs them: validate and
 * decode public keys from the config, verify a client's signature over the INFO nonce, make
 * nonces. Seeds are decoded too (tests, and later leaf-node credentials).
 *
 * Layout (nats-io/nkeys): a public key is base32(prefix byte, 32 key bytes, CRC16 little-endian),
 * 56 characters; a seed is base32('S' prefix bits + type bits in two bytes, 32 seed bytes,
 * CRC16), 58 characters. The CRC is CRC-16/XMODEM over everything before it.
 */

import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import {
  crc16,
  PREFIX_ACCOUNT,
  PREFIX_OPERATOR,
  PREFIX_SERVER,
  PREFIX_USER,
} from "../util/nkey.ts";
import { base64DecodeLenient, base64UrlEncode } from "./_base64.ts";

// The synchronous ed25519 API needs a SHA-512; set once for the whole process.
ed.hashes.sha512 ??= sha512;

export { PREFIX_ACCOUNT, PREFIX_OPERATOR, PREFIX_SERVER, PREFIX_USER };
/** 'S': first five bits of a seed. */
export const PREFIX_SEED = 18 << 3;

const PUBLIC_PREFIXES: ReadonlySet<number> = new Set([
  PREFIX_USER,
  PREFIX_ACCOUNT,
  PREFIX_SERVER,
  PREFIX_OPERATOR,
]);

/** nats-server sends 11 random bytes, raw base64url: 15 characters. */
export const NONCE_BYTES = 11;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE32 = new Int8Array(128).fill(-1);
for (let i = 0; i < 32; i++) BASE32[ALPHABET.charCodeAt(i)] = i;

/** RFC 4648 base32 without padding; trailing bits that do not fill a byte are dropped. */
export function base32Decode(text: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? BASE32[c] : -1;
    if (v < 0) return null;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Base32-decodes and checks the trailing CRC; returns the bytes before the CRC. */
function unarmour(text: string): Uint8Array | null {
  const raw = base32Decode(text);
  if (raw === null || raw.length < 4) return null;
  const body = raw.subarray(0, raw.length - 2);
  const crc = raw[raw.length - 2] | (raw[raw.length - 1] << 8);
  return crc16(body) === crc ? body : null;
}

/**
 * The 32-byte Ed25519 key inside an NKey public key, or null if the text is not one (bad
 * character, length, CRC or prefix). With `prefix`, only that role (e.g. `PREFIX_USER`) passes;
 * without, any public role (user, account, server, operator).
 */
export function decodePublicKey(key: string, prefix?: number): Uint8Array | null {
  if (key.length !== 56) return null;
  const body = unarmour(key);
  if (body === null || body.length !== 33) return null;
  const role = body[0];
  if (prefix === undefined ? !PUBLIC_PREFIXES.has(role) : role !== prefix) return null;
  return body.slice(1);
}

/** nats-server's `nkeys.IsValidPublicUserKey`. */
export function isValidPublicUserKey(key: string): boolean {
  return decodePublicKey(key, PREFIX_USER) !== null;
}

/** nats-server's `nkeys.IsValidPublicAccountKey`. */
export function isValidPublicAccountKey(key: string): boolean {
  return decodePublicKey(key, PREFIX_ACCOUNT) !== null;
}

/** A decoded seed: its role prefix (e.g. `PREFIX_USER`) and the 32-byte Ed25519 secret key. */
export interface DecodedSeed {
  prefix: number;
  secretKey: Uint8Array;
}

/** Decodes an NKey seed (`SU...`, `SA...`); null if it is not one. */
export function decodeSeed(seed: string): DecodedSeed | null {
  if (seed.length !== 58) return null;
  const body = unarmour(seed);
  if (body === null || body.length !== 34) return null;
  // Two bytes carry 'S' (5 bits) then the role prefix (5 bits), left-aligned.
  if ((body[0] & 0xf8) !== PREFIX_SEED) return null;
  const prefix = ((body[0] & 0x07) << 5) | ((body[1] & 0xf8) >> 3);
  if (!PUBLIC_PREFIXES.has(prefix)) return null;
  return { prefix, secretKey: body.slice(2) };
}

const encoder = new TextEncoder();

/**
 * Does `sig` (base64 of a 64-byte Ed25519 signature; raw URL alphabet as clients send it, or
 * standard, padded or not) sign the nonce's bytes with the key `publicKey` (an NKey public key
 * string)? Never throws: malformed input is just a failed verification.
 */
export function verifyNonceSignature(publicKey: string, nonce: string, sig: string): boolean {
  const key = decodePublicKey(publicKey);
  if (key === null) return false;
  const signature = base64DecodeLenient(sig);
  if (signature === null || signature.length !== 64) return false;
  try {
    // RFC 8032 (cofactorless, canonical encodings) like Go's crypto/ed25519, not ZIP-215.
    return ed.verify(signature, encoder.encode(nonce), key, { zip215: false });
  } catch {
    return false;
  }
}

/** A fresh nonce for INFO: 11 random bytes as raw base64url, like nats-server's. */
export function newNonce(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
}

/** Signs a nonce the way clients do (for tests and outbound leaf connections). */
export function signNonce(secretKey: Uint8Array, nonce: string): string {
  return base64UrlEncode(ed.sign(encoder.encode(nonce), secretKey));
}
