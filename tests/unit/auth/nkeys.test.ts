import assert from "node:assert/strict";
import * as ed from "@noble/ed25519";
import {
  base32Decode,
  decodePublicKey,
  decodeSeed,
  isValidPublicAccountKey,
  isValidPublicUserKey,
  newNonce,
  NONCE_BYTES,
  PREFIX_ACCOUNT,
  PREFIX_USER,
  signNonce,
  verifyNonceSignature,
} from "../../../src/auth/nkeys.ts";
import { base32Encode, encodePublicKey, PREFIX_SERVER } from "../../../src/util/nkey.ts";
import { base64DecodeLenient, base64UrlEncode } from "../../../src/auth/_base64.ts";

// The pair from the NATS docs (securing_nats/auth_intro/nkey_auth.md, `nk -gen user -pubout`).
const DOC_SEED = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
const DOC_PUBLIC = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";

function keyPair(prefix = PREFIX_USER) {
  const secretKey = ed.utils.randomSecretKey();
  const publicKey = encodePublicKey(prefix, ed.getPublicKey(secretKey));
  return { secretKey, publicKey };
}

/** Standard base64 with padding (what Go's StdEncoding produces). */
function stdBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Flip one base32 character (keeps the alphabet, breaks the CRC). */
function corrupt(key: string, at: number): string {
  const c = key[at] === "A" ? "B" : "A";
  return key.slice(0, at) + c + key.slice(at + 1);
}

Deno.test("nkeys: base32 decoding inverts encoding", () => {
  for (let n = 0; n < 40; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
  }
  assert.equal(base32Decode("MZXW6!"), null);
  assert.equal(base32Decode("mzxw6"), null, "lower case is not NKey base32");
});

Deno.test("nkeys: the docs' seed derives the docs' public key", () => {
  const seed = decodeSeed(DOC_SEED);
  assert.ok(seed);
  assert.equal(seed.prefix, PREFIX_USER);
  assert.equal(encodePublicKey(PREFIX_USER, ed.getPublicKey(seed.secretKey)), DOC_PUBLIC);
});

Deno.test("nkeys: a public key decodes to its 32 Ed25519 bytes", () => {
  const secretKey = ed.utils.randomSecretKey();
  const raw = ed.getPublicKey(secretKey);
  const key = encodePublicKey(PREFIX_USER, raw);
  assert.equal(key.length, 56);
  assert.deepEqual(decodePublicKey(key), raw);
  assert.deepEqual(decodePublicKey(key, PREFIX_USER), raw);
  assert.ok(isValidPublicUserKey(DOC_PUBLIC));
});

Deno.test("nkeys: a bad CRC, a bad character or a wrong length is not a key", () => {
  const { publicKey } = keyPair();
  assert.equal(decodePublicKey(corrupt(publicKey, 10)), null);
  assert.equal(decodePublicKey(corrupt(publicKey, 55)), null);
  assert.equal(decodePublicKey(publicKey.slice(0, 55) + "1"), null);
  assert.equal(decodePublicKey(publicKey.slice(0, 55)), null);
  assert.equal(decodePublicKey(publicKey + "A"), null);
  assert.equal(decodePublicKey(""), null);
  assert.equal(isValidPublicUserKey("UABC"), false);
});

Deno.test("nkeys: the prefix decides the role", () => {
  const account = keyPair(PREFIX_ACCOUNT).publicKey;
  const server = keyPair(PREFIX_SERVER).publicKey;
  assert.ok(account.startsWith("A"));
  assert.equal(isValidPublicUserKey(account), false);
  assert.equal(isValidPublicAccountKey(account), true);
  assert.equal(decodePublicKey(server, PREFIX_USER), null);
  assert.ok(decodePublicKey(server) !== null, "any public role without an expected prefix");
  // A seed is not a public key, and an unknown prefix byte is neither.
  assert.equal(decodePublicKey(DOC_SEED), null);
  const odd = encodePublicKey(3 << 3, new Uint8Array(32)); // 'D': no such role
  assert.equal(decodePublicKey(odd), null);
});

Deno.test("nkeys: a nonce signature verifies in raw URL, padded URL and standard base64", () => {
  const { secretKey, publicKey } = keyPair();
  const nonce = newNonce();
  const sig = ed.sign(new TextEncoder().encode(nonce), secretKey);
  const raw = base64UrlEncode(sig);
  assert.equal(signNonce(secretKey, nonce), raw);
  assert.ok(!raw.includes("="));
  assert.ok(verifyNonceSignature(publicKey, nonce, raw));
  assert.ok(verifyNonceSignature(publicKey, nonce, raw + "=="), "padded URL alphabet");
  assert.ok(verifyNonceSignature(publicKey, nonce, stdBase64(sig)), "standard alphabet");
});

Deno.test("nkeys: the docs' key pair signs a nonce the server accepts", () => {
  const seed = decodeSeed(DOC_SEED)!;
  const nonce = "WA5tUeVtZJtox3w"; // a nonce nats-server 2.9.10 sent
  assert.ok(verifyNonceSignature(DOC_PUBLIC, nonce, signNonce(seed.secretKey, nonce)));
});

Deno.test("nkeys: wrong nonce, wrong key or mangled signature fails without throwing", () => {
  const a = keyPair();
  const b = keyPair();
  const nonce = newNonce();
  const sig = signNonce(a.secretKey, nonce);
  assert.equal(verifyNonceSignature(a.publicKey, nonce + "x", sig), false);
  assert.equal(verifyNonceSignature(b.publicKey, nonce, sig), false);
  const bytes = base64DecodeLenient(sig)!;
  bytes[10] ^= 1;
  assert.equal(verifyNonceSignature(a.publicKey, nonce, base64UrlEncode(bytes)), false);
  assert.equal(verifyNonceSignature(a.publicKey, nonce, sig.slice(0, 40)), false, "short");
  assert.equal(verifyNonceSignature(a.publicKey, nonce, "not base64!"), false);
  assert.equal(verifyNonceSignature(a.publicKey, nonce, ""), false);
  assert.equal(verifyNonceSignature("UNOTAKEY", nonce, sig), false);
  assert.equal(
    verifyNonceSignature(a.publicKey, nonce, base64UrlEncode(new Uint8Array(64))),
    false,
  );
});

Deno.test("nkeys: nonces are 11 random bytes in 15 raw base64url characters", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const n = newNonce();
    assert.match(n, /^[A-Za-z0-9_-]{15}$/);
    assert.equal(base64DecodeLenient(n)!.length, NONCE_BYTES);
    seen.add(n);
  }
  assert.equal(seen.size, 100);
});

Deno.test("nkeys: lenient base64 rejects bad lengths and characters", () => {
  assert.deepEqual(base64DecodeLenient(""), new Uint8Array(0));
  assert.deepEqual(base64DecodeLenient("Zg"), new Uint8Array([0x66]));
  assert.deepEqual(base64DecodeLenient("Zg=="), new Uint8Array([0x66]));
  assert.equal(base64DecodeLenient("Z"), null);
  assert.equal(base64DecodeLenient("Zg=a"), null);
  assert.equal(base64DecodeLenient("Z g="), null);
  for (let n = 0; n < 20; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    assert.deepEqual(base64DecodeLenient(base64UrlEncode(bytes)), bytes);
    assert.deepEqual(base64DecodeLenient(stdBase64(bytes)), bytes);
  }
});
