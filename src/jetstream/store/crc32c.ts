/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), slice-by-8, written for the store's
 * record checksums. CRC32C detects every burst error up to 32 bits and every odd number of bit
 * errors, and is what iSCSI, ext4 metadata and many WALs use for the same job.
 *
 * `crc32c(data)` returns the standard value (`crc32c("123456789") === 0xE3069283`); pass the
 * previous result as `seed` to continue a checksum over a second buffer.
 */

const POLY = 0x82f63b78;

/** Eight 256-entry tables, flat: table k lives at [k * 256, k * 256 + 256). */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/** CRC32C of `data[start, end)`, continuing from `seed` (the result of a previous call). */
export function crc32c(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  const t = TABLES;
  let crc = ~seed;
  let i = start;
  // Byte at a time until 8 bytes remain aligned to the loop; then 8 bytes per step.
  const fastEnd = end - 8;
  while (i <= fastEnd) {
    const lo = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    crc = t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)] ^
      t[768 + data[i + 4]] ^ t[512 + data[i + 5]] ^ t[256 + data[i + 6]] ^ t[data[i + 7]];
    i += 8;
  }
  while (i < end) crc = t[(crc ^ data[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
