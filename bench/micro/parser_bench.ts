/**
 * Parser micro benchmarks: a buffer of N pipelined PUBs parsed whole, and the same bytes split
 * at random offsets (the split path copies lines and payloads into scratch buffers).
 */
import { ClientParser } from "../../src/protocol/parser.ts";
import type { ClientOpHandler, MsgArgs } from "../../src/protocol/ops.ts";

const N = 10_000;
const enc = new TextEncoder();

class CountingHandler implements ClientOpHandler {
  pubs = 0;
  bytes = 0;
  onPub(a: MsgArgs) {
    this.pubs++;
    this.bytes += a.size;
  }
  onConnect() {}
  onSub() {}
  onUnsub() {}
  onPing() {}
  onPong() {}
  onInfo() {}
  onOk() {}
  onErr() {}
  onParseError(f: unknown) {
    throw new Error(`unexpected parse failure ${JSON.stringify(f)}`);
  }
}

function pubs(size: number, reply: boolean): Uint8Array {
  const payload = "x".repeat(size);
  const line = reply ? `PUB foo.bar _INBOX.abc ${size}\r\n` : `PUB foo.bar ${size}\r\n`;
  return enc.encode((line + payload + "\r\n").repeat(N));
}

function splitAtRandom(bytes: Uint8Array, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = seed;
  for (let i = 0; i < bytes.length;) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = Math.min(bytes.length - i, 1 + (s % 8192));
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

const LIMITS = { maxControlLine: 4096, maxPayload: 1024 * 1024 };
const small = pubs(16, false);
const withReply = pubs(16, true);
const kib = pubs(1024, false);
const splitSmall = splitAtRandom(small, 42);

function parseWhole(bytes: Uint8Array): void {
  const h = new CountingHandler();
  new ClientParser(h, LIMITS).parse(bytes, bytes.length);
  if (h.pubs !== N) throw new Error(`parsed ${h.pubs}`);
}

Deno.bench(`parser: ${N} x PUB 16 B in one buffer`, { group: "parse" }, () => parseWhole(small));
Deno.bench(`parser: ${N} x PUB 16 B with reply`, { group: "parse" }, () => parseWhole(withReply));
Deno.bench(`parser: ${N} x PUB 1 KiB in one buffer`, { group: "parse" }, () => parseWhole(kib));
Deno.bench(`parser: ${N} x PUB 16 B split at random offsets`, { group: "parse" }, () => {
  const h = new CountingHandler();
  const p = new ClientParser(h, LIMITS);
  for (const chunk of splitSmall) p.parse(chunk, chunk.length);
  if (h.pubs !== N) throw new Error(`parsed ${h.pubs}`);
});
