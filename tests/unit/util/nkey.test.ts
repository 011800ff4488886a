import assert from "node:assert/strict";
import { base32Encode, crc16, newServerId } from "../../../src/util/nkey.ts";

Deno.test("nkey: server ids are 56 base32 characters starting with N", () => {
  for (let i = 0; i < 20; i++) {
    const id = newServerId();
    assert.match(id, /^N[A-Z2-7]{55}$/);
  }
});

Deno.test("nkey: base32 follows RFC 4648 without padding", () => {
  const enc = new TextEncoder();
  assert.equal(base32Encode(enc.encode("")), "");
  assert.equal(base32Encode(enc.encode("f")), "MY");
  assert.equal(base32Encode(enc.encode("foobar")), "MZXW6YTBOI");
});

Deno.test("nkey: crc16 is CRC-16/XMODEM", () => {
  assert.equal(crc16(new TextEncoder().encode("123456789")), 0x31c3);
});
