/**
 * Trivial TCP peer for measuring the bench client's own ceiling, on its own thread like a real
 * server would be. "sink" accepts one connection and discards everything until EOF, then
 * reports the byte count; "source" accepts one connection and writes a given chunk over and
 * over for a given time, then closes.
 */

/// <reference lib="deno.worker" />

export type PeerRequest =
  | { mode: "sink" }
  | { mode: "source"; chunk: Uint8Array; millis: number };

export type PeerReport =
  | { type: "listening"; port: number }
  | { type: "done"; bytes: number; chunks: number };

function post(report: PeerReport): void {
  self.postMessage(report);
}

self.onmessage = async (e: MessageEvent<PeerRequest>) => {
  const request = e.data;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  post({ type: "listening", port: (listener.addr as Deno.NetAddr).port });
  const conn = await listener.accept();
  listener.close();
  let bytes = 0;
  let chunks = 0;
  if (request.mode === "sink") {
    const buf = new Uint8Array(1024 * 1024);
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      bytes += n;
    }
  } else {
    const end = performance.now() + request.millis;
    try {
      while (performance.now() < end) {
        for (let off = 0; off < request.chunk.length;) {
          off += await conn.write(request.chunk.subarray(off));
        }
        bytes += request.chunk.length;
        chunks++;
      }
    } catch {
      // Reader went away.
    }
  }
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  post({ type: "done", bytes, chunks });
};
