/**
 * TCP for the Bun platform: Bun's push-style sockets adapted to the pull-style `Conn` and
 * `Listener` of `types.ts`.
 *
 * Bun calls `data` once per received chunk, and its `write` takes only what the kernel accepts
 * right now, calling `drain` when more fits. So received chunks wait in a queue until `read`
 * copies them into the caller's buffer (the socket is paused while the queue is large), and the
 * unwritten tail of a write waits for `drain`; the write resolves once every byte is accepted.
 */
import type { Conn, Listener, NetAddr } from "./types.ts";
import type { BunApi, BunSocket, BunSocketHandler, BunTcpListener } from "./bun_types.d.ts";

/** Stop reading from the kernel when this many received bytes wait for `read`... */
const PAUSE_AT = 8 * 1024 * 1024;
/** ...and start again once the reader has brought the queue down to this. */
const RESUME_AT = 2 * 1024 * 1024;
/** Consumed queue slots are dropped in one splice once there are this many (and half the queue). */
const COMPACT_AT = 1024;

const EMPTY = new Uint8Array(0);

type Socket = BunSocket<BunConn>;

interface PendingWrite {
  data: Uint8Array;
  /** Bytes of `data` the kernel has accepted so far. */
  off: number;
  resolve(): void;
  reject(err: Error): void;
}

class BunConn implements Conn {
  readonly remoteAddr: NetAddr;
  readonly localAddr: NetAddr;
  #socket: Socket;

  // Received bytes not yet read: chunks[head..], the first possibly already partly consumed.
  // Invariant: a reader waits (readResolve !== null) only while the queue is empty.
  #chunks: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #paused = false;
  #readBuf: Uint8Array = EMPTY;
  #readResolve: ((n: number | null) => void) | null = null;

  // Writes the kernel has not fully accepted, oldest first; only the first is partly written.
  #writes: PendingWrite[] = [];

  /** The peer is gone (FIN, reset or error): nothing more will arrive, writes fail. */
  #ended = false;
  #endError: Error | null = null;
  /** `close()` was called. */
  #closed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.remoteAddr = { hostname: socket.remoteAddress, port: socket.remotePort };
    this.localAddr = { hostname: socket.localAddress, port: socket.localPort };
  }

  read(buf: Uint8Array): Promise<number | null> {
    if (this.#queued > 0) return Promise.resolve(this.#take(buf));
    if (this.#ended || this.#closed) return Promise.resolve(null);
    if (this.#readResolve !== null) return Promise.reject(new Error("A read is already pending"));
    return new Promise((resolve) => {
      this.#readBuf = buf;
      this.#readResolve = resolve;
    });
  }

  /** Copies queued chunks into `buf` while they fit; returns the byte count. */
  #take(buf: Uint8Array): number {
    const chunks = this.#chunks;
    let n = 0;
    while (n < buf.length && this.#head < chunks.length) {
      const chunk = chunks[this.#head];
      const room = buf.length - n;
      if (chunk.length <= room) {
        buf.set(chunk, n);
        n += chunk.length;
        chunks[this.#head++] = EMPTY;
      } else {
        buf.set(chunk.subarray(0, room), n);
        n += room;
        chunks[this.#head] = chunk.subarray(room);
      }
    }
    this.#queued -= n;
    if (this.#head === chunks.length) {
      chunks.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AT && this.#head * 2 >= chunks.length) {
      chunks.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#queued <= RESUME_AT) {
      this.#paused = false;
      this.#socket.resume();
    }
    return n;
  }

  /** Bun's `data` callback. Chunks are fresh copies Bun does not reuse, so they are queued as is. */
  onData(chunk: Uint8Array): void {
    if (this.#closed || chunk.length === 0) return;
    const resolve = this.#readResolve;
    if (resolve !== null) {
      const buf = this.#readBuf;
      this.#readResolve = null;
      this.#readBuf = EMPTY;
      if (chunk.length <= buf.length) {
        buf.set(chunk);
        resolve(chunk.length);
        return;
      }
      buf.set(chunk.subarray(0, buf.length));
      this.#enqueue(chunk.subarray(buf.length));
      resolve(buf.length);
      return;
    }
    this.#enqueue(chunk);
  }

  #enqueue(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    // A reader that stalls (waiting on a slow subscriber) must push back on the sender, as the
    // kernel's buffer does for a pull-style socket, instead of queueing without bound.
    if (!this.#paused && this.#queued >= PAUSE_AT) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  write(data: Uint8Array): Promise<void> {
    if (this.#closed || this.#ended) return Promise.reject(this.#writeError());
    // Keep order: behind a pending write, wait for `drain` like it does.
    if (this.#writes.length > 0) return this.#pendWrite(data, 0);
    if (data.length === 0) return Promise.resolve();
    const n = this.#socket.write(data);
    if (n === data.length) return Promise.resolve();
    if (n < 0) return Promise.reject(this.#writeError());
    return this.#pendWrite(data, n);
  }

  #pendWrite(data: Uint8Array, off: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#writes.push({ data, off, resolve, reject });
    });
  }

  /** Bun's `drain` callback: the kernel takes more, so continue the oldest pending write. */
  onDrain(): void {
    const writes = this.#writes;
    while (writes.length > 0 && !this.#closed) {
      const w = writes[0];
      const left = w.data.length - w.off;
      const n = this.#socket.write(w.data.subarray(w.off));
      if (n < 0) {
        this.#failWrites(this.#writeError());
        return;
      }
      if (n < left) {
        w.off += n;
        return;
      }
      writes.shift(); // Pending writes are few (one per producer), so shifting is cheap.
      w.resolve();
    }
  }

  /** Bun's `close` callback: the peer closed, reset, or we closed. */
  onClose(err?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    if (err !== undefined) this.#endError = err;
    this.#wakeReader();
    this.#failWrites(this.#writeError());
  }

  #writeError(): Error {
    return this.#endError ?? new Error("Connection closed");
  }

  #wakeReader(): void {
    const resolve = this.#readResolve;
    if (resolve === null) return;
    this.#readResolve = null;
    this.#readBuf = EMPTY;
    resolve(null);
  }

  #failWrites(err: Error): void {
    const writes = this.#writes;
    if (writes.length === 0) return;
    this.#writes = [];
    for (const w of writes) w.reject(err);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks = [];
    this.#head = 0;
    this.#queued = 0;
    this.#wakeReader();
    this.#failWrites(new Error("Connection closed"));
    try {
      // Bytes the kernel already accepted still go out, then FIN; Bun calls `close` at once.
      this.#socket.end();
    } catch {
      // Already closed by the peer: nothing left to release.
    }
  }

  setNoDelay(on: boolean): void {
    try {
      this.#socket.setNoDelay(on);
    } catch {
      // The socket may already be gone; the option is only an optimisation.
    }
  }
}

/** Handlers every socket shares; `open` differs between listeners and dialled sockets. */
function socketHandlers(open: (socket: Socket) => void): BunSocketHandler<BunConn> {
  return {
    binaryType: "uint8array",
    open,
    data: (socket, chunk) => socket.data.onData(chunk),
    drain: (socket) => socket.data.onDrain(),
    close: (socket, err) => socket.data?.onClose(err),
    // Bun reports here when one of our handlers threw: the adapter's state is suspect.
    error: (socket, err) => {
      socket.data?.onClose(err);
      socket.data?.close();
    },
  };
}

class BunListener implements Listener {
  readonly addr: NetAddr;
  #listener: BunTcpListener;
  #ready: BunConn[] = [];
  #waiter: ((conn: Conn | null) => void) | null = null;
  #closed = false;

  constructor(bun: BunApi, hostname: string, port: number) {
    this.#listener = bun.listen<BunConn>({
      hostname,
      port,
      socket: socketHandlers((socket) => {
        const conn = new BunConn(socket);
        socket.data = conn;
        this.#offer(conn);
      }),
    });
    this.addr = { hostname: this.#listener.hostname, port: this.#listener.port };
  }

  #offer(conn: BunConn): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      waiter(conn);
      return;
    }
    this.#ready.push(conn);
  }

  accept(): Promise<Conn | null> {
    if (this.#ready.length > 0) return Promise.resolve(this.#ready.shift()!);
    if (this.#closed) return Promise.resolve(null);
    if (this.#waiter !== null) return Promise.reject(new Error("An accept is already pending"));
    return new Promise((resolve) => this.#waiter = resolve);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // Connections already accepted belong to the server, which closes them itself.
      this.#listener.stop(false);
    } catch {
      // Already stopped.
    }
    for (const conn of this.#ready) conn.close();
    this.#ready = [];
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  }
}

const NET_ERRORS: Record<string, string> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EACCES: "Permission denied",
  ECONNREFUSED: "Connection refused",
  ETIMEDOUT: "Connection timed out",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
};

/**
 * Bun says only "Failed to listen at <host>" or "Failed to connect"; the code it carries is
 * what an operator needs to see.
 */
export function netError(err: unknown): Error {
  const code = (err as { code?: string } | null)?.code;
  if (code === undefined) return err instanceof Error ? err : new Error(String(err));
  return new Error(`${NET_ERRORS[code] ?? (err as Error).message} (${code})`, { cause: err });
}

/** Listens on `hostname:port`; throws what `netError` makes of Bun's error. */
export function listenTcp(bun: BunApi, hostname: string, port: number): Listener {
  try {
    return new BunListener(bun, hostname, port);
  } catch (err) {
    throw netError(err);
  }
}

export async function connectTcp(bun: BunApi, hostname: string, port: number): Promise<Conn> {
  try {
    const socket = await bun.connect<BunConn>({
      hostname,
      port,
      socket: socketHandlers((s) => s.data = new BunConn(s)),
    });
    return socket.data;
  } catch (err) {
    throw netError(err);
  }
}
