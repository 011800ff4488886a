/**
 * A raw TCP peer for wire-level e2e tests: send exact bytes, expect patterns with deadlines.
 *
 * Received bytes are kept as a latin1 "binary string" (one char per byte), so regex matches,
 * indices and lengths are byte-exact even for binary payloads. Use `bin()` to build a binary
 * string from a Uint8Array and `utf8()` to turn UTF-8 text into that form.
 *
 * A background loop reads the socket into the buffer; `pause()` stops issuing reads so the
 * kernel buffers fill up (for slow-consumer tests). `close()` ends the loop and the socket.
 *
 * Servers PING clients on their own schedule (nats-server sends a first PING ~2s after
 * connect to measure RTT). Unless `autoPong: false`, the loop tracks frame boundaries,
 * removes server `PING` frames from the buffer and answers them, so assertions on exact bytes
 * do not depend on timing. Tests about server PINGs turn this off.
 */

const encoder = new TextEncoder();

/** Bytes -> binary string (one char per byte). */
export function bin(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/** UTF-8 text -> binary string, to compare with what the server sent. */
export function utf8(text: string): string {
  return bin(encoder.encode(text));
}

export const DEFAULT_CONNECT = {
  verbose: false,
  pedantic: false,
  headers: true,
  no_responders: true,
  protocol: 1,
};

export interface RawClientOptions {
  hostname?: string;
  /** Answer and hide server PINGs (default true). */
  autoPong?: boolean;
}

export interface ServerInfo {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  host: string;
  port: number;
  headers: boolean;
  max_payload: number;
  client_id: number;
  client_ip: string;
  [key: string]: unknown;
}

/** Literal strings and regexes become global/sticky regexes that can start at an offset. */
function compile(pattern: RegExp | string): RegExp {
  if (typeof pattern === "string") {
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g");
  }
  const flags = pattern.flags.replace(/[gy]/g, "");
  if (pattern.source.startsWith("^")) return new RegExp(pattern.source.slice(1), flags + "y");
  return new RegExp(pattern.source, flags + "g");
}

function describe(s: string, max = 600): string {
  const shown = s.length > max ? `${s.slice(0, max)}... (${s.length} bytes)` : s;
  return JSON.stringify(shown);
}

export class RawClient {
  #conn: Deno.TcpConn;
  #buf = "";
  #pos = 0;
  #closed = false;
  #closeReason = "";
  #waiters = new Set<() => void>();
  /** Start of the first frame not yet classified by the PING filter; -1 once it gave up. */
  #scan = 0;
  #autoPong: boolean;
  #paused: Promise<void> | undefined;
  #resume: (() => void) | undefined;
  #loop: Promise<void>;
  #writes: Promise<void> = Promise.resolve();
  #localClose = false;
  /** Total bytes ever received (consumed or not). */
  received = 0;
  /** Server PINGs answered automatically. */
  serverPings = 0;

  private constructor(conn: Deno.TcpConn, opts: RawClientOptions) {
    this.#conn = conn;
    this.#autoPong = opts.autoPong ?? true;
    this.#loop = this.#readLoop();
  }

  static async connect(port: number, opts: RawClientOptions = {}): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: opts.hostname ?? "127.0.0.1", port });
    // Small writes (an op, then PING) must not wait on Nagle + delayed ACK.
    conn.setNoDelay(true);
    return new RawClient(conn, opts);
  }

  /** Connect, read INFO, send CONNECT + PING and await PONG. */
  static async open(
    port: number,
    connect: Record<string, unknown> = DEFAULT_CONNECT,
    opts: RawClientOptions = {},
  ): Promise<RawClient> {
    const c = await RawClient.connect(port, opts);
    try {
      await c.readInfo();
      await c.handshake(connect);
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Unconsumed received bytes (binary string). */
  get buffered(): string {
    return this.#buf.slice(this.#pos);
  }

  async #readLoop(): Promise<void> {
    const chunk = new Uint8Array(64 * 1024);
    try {
      while (true) {
        if (this.#paused) await this.#paused;
        if (this.#localClose) break;
        const n = await this.#conn.read(chunk);
        if (n === null) {
          this.#closeReason = "EOF";
          break;
        }
        this.received += n;
        this.#buf += bin(chunk.subarray(0, n));
        if (this.#autoPong) this.#filterPings();
        this.#notify();
      }
    } catch (err) {
      this.#closeReason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    this.#closed = true;
    this.#notify();
  }

  /**
   * Walk complete frames from #scan; drop `PING\r\n` frames and answer them. Payloads are
   * skipped by their declared sizes, so a payload containing "PING\r\n" is left alone.
   */
  #filterPings(): void {
    const buf = this.#buf;
    let scan = this.#scan;
    let out = "";
    let from = 0;
    while (scan >= 0 && scan < buf.length) {
      const eol = buf.indexOf("\r\n", scan);
      if (eol < 0) break;
      let end = eol + 2;
      const head = buf.slice(scan, Math.min(eol, scan + 5));
      if (head === "MSG " || head.startsWith("HMSG")) {
        const size = Number(buf.slice(scan, eol).split(" ").pop());
        if (!Number.isInteger(size) || size < 0) {
          scan = -1; // not a frame we understand: stop filtering
          break;
        }
        end = eol + 2 + size + 2;
        if (end > buf.length) break;
      } else if (eol - scan === 4 && buf.startsWith("PING", scan)) {
        out += buf.slice(from, scan);
        from = end;
        this.serverPings++;
        void this.trySend("PONG\r\n"); // queued; close() waits for it
      }
      scan = end;
    }
    if (from > 0) {
      // Removed bytes all lie before `from` <= scan. #pos is unaffected: a PING frame is
      // removed in the read that completes it, before any reader can consume past it.
      this.#buf = out + buf.slice(from);
      if (scan >= 0) scan -= from - out.length;
    }
    this.#scan = scan;
  }

  #notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }

  /** Resolves true when new input arrives or the socket closes, false on timeout. */
  #changed(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  /** Stop reading from the socket (data piles up in kernel buffers). */
  pause(): void {
    if (this.#paused) return;
    this.#paused = new Promise((r) => (this.#resume = r));
  }

  resume(): void {
    const r = this.#resume;
    this.#paused = undefined;
    this.#resume = undefined;
    r?.();
  }

  /**
   * Write all bytes. Strings are sent as UTF-8. Writes are queued, so an automatic PONG never
   * lands inside a large frame that is still being written.
   */
  send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    const write = this.#writes.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    });
    this.#writes = write.catch(() => {});
    return write;
  }

  /** Like send() but reports a failed write instead of throwing (the server may have closed). */
  async trySend(data: string | Uint8Array): Promise<boolean> {
    try {
      await this.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Wait until the buffered input contains `pattern`; consume everything up to and including
   * the match and return the matched text. A string pattern matches literally; a leading `^`
   * anchors at the start of the unconsumed input. Fails with what was received if the deadline
   * passes or the connection closes first.
   */
  async expect(pattern: RegExp | string, timeoutMs = 2000): Promise<string> {
    const m = await this.expectMatch(pattern, timeoutMs);
    return m[0];
  }

  /** Like expect() but returns the RegExp match (with groups). */
  async expectMatch(pattern: RegExp | string, timeoutMs = 2000): Promise<RegExpExecArray> {
    const re = compile(pattern);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      re.lastIndex = this.#pos;
      const m = re.exec(this.#buf);
      if (m) {
        this.#consume(m.index + m[0].length);
        return m;
      }
      if (this.#closed) {
        throw new Error(
          `expected ${pattern} but connection closed (${this.#closeReason}); received ${
            describe(this.buffered)
          }`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.#changed(left))) {
        re.lastIndex = this.#pos;
        if (re.test(this.#buf)) continue;
        throw new Error(
          `expected ${pattern} within ${timeoutMs}ms; received ${describe(this.buffered)}`,
        );
      }
    }
  }

  /** Wait for exactly `n` more bytes and consume them. */
  async expectBytes(n: number, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#buf.length - this.#pos < n) {
      const left = deadline - Date.now();
      if (this.#closed || left <= 0 || !(await this.#changed(left))) {
        if (this.#buf.length - this.#pos >= n) break;
        throw new Error(
          `expected ${n} bytes; got ${describe(this.buffered)} (closed=${this.#closed})`,
        );
      }
    }
    const out = this.#buf.slice(this.#pos, this.#pos + n);
    this.#consume(this.#pos + n);
    return out;
  }

  #consume(end: number): void {
    this.#pos = end;
    // Compact once the consumed prefix dominates, so repeated expects stay linear overall.
    if (this.#pos >= this.#buf.length || this.#pos > 65536 && this.#pos * 2 > this.#buf.length) {
      // A reader may have consumed the head of a frame the PING filter has not finished;
      // keep that frame's start.
      const cut = this.#scan >= 0 ? Math.min(this.#pos, this.#scan) : this.#pos;
      this.#buf = this.#buf.slice(cut);
      this.#pos -= cut;
      if (this.#scan >= 0) this.#scan -= cut;
    }
  }

  /** Wait until the peer closes the connection. Leaves the buffer intact for inspection. */
  async expectClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.#changed(left))) {
        if (this.#closed) break;
        throw new Error(
          `expected connection to close within ${timeoutMs}ms; received ${describe(this.buffered)}`,
        );
      }
    }
  }

  /** Read and parse the INFO line. */
  async readInfo(timeoutMs = 2000): Promise<ServerInfo> {
    const m = await this.expectMatch(/^INFO (\{.*\}) ?\r\n/, timeoutMs);
    return JSON.parse(m[1]) as ServerInfo;
  }

  /**
   * Send CONNECT + PING and await PONG (after the INFO was read). Whatever precedes the PONG
   * (the +OK of a verbose CONNECT) is consumed; an -ERR or a close fails the handshake.
   */
  async handshake(connect: Record<string, unknown> = DEFAULT_CONNECT): Promise<void> {
    await this.send(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
    const m = await this.expectMatch(/^([\s\S]*?)PONG\r\n/);
    if (m[1].includes("-ERR")) throw new Error(`handshake failed: ${JSON.stringify(m[1])}`);
  }

  /**
   * PING/PONG round-trip barrier: once PONG is back, every MSG caused by ops sent before it has
   * been delivered. Returns everything received before the PONG (consumed).
   */
  async barrier(timeoutMs = 2000): Promise<string> {
    await this.send("PING\r\n");
    const m = await this.expectMatch(/^([\s\S]*?)PONG\r\n/, timeoutMs);
    return m[1];
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.#localClose = true;
    this.resume();
    await this.#writes;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    await this.#loop;
  }
}
