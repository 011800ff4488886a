/**
 * NKey public-key encoding: a prefix byte, 32 key bytes and a CRC16, in RFC 4648 base32
 * without padding. Server ids are NKey-style public keys (prefix 'N'), as nats-server's are.
 */

export const PREFIX_SERVER = 13 << 3; // 'N'
export const PREFIX_ACCOUNT = 0; // 'A'
export const PREFIX_USER = 20 << 3; // 'U'
export const PREFIX_OPERATOR = 14 << 3; // 'O'

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(data: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** CRC-16/XMODEM (polynomial 0x1021), as used by NKeys. */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

export function encodePublicKey(prefix: number, key: Uint8Array): string {
  const raw = new Uint8Array(1 + key.length + 2);
  raw[0] = prefix;
  raw.set(key, 1);
  const crc = crc16(raw.subarray(0, 1 + key.length));
  raw[1 + key.length] = crc & 0xff;
  raw[2 + key.length] = crc >> 8;
  return base32Encode(raw);
}

/** A fresh random server id, like nats-server's (which is the server's NKey public key). */
export function newServerId(): string {
  return encodePublicKey(PREFIX_SERVER, crypto.getRandomValues(new Uint8Array(32)));
}
