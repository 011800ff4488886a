/**
 * The one interface between Skiff's runtime-neutral core and the runtime it runs on.
 *
 * Everything that touches the operating system (sockets, files, signals, the process) goes
 * through a `Platform`. The core never names `Deno`, `Bun` or `node:` modules; adapters live
 * beside this file (`deno.ts`, later `bun.ts`) and `select.ts` picks one at start-up.
 */

export interface NetAddr {
  readonly hostname: string;
  readonly port: number;
}

/** A byte stream socket. Reads fill a caller-owned buffer so the hot path allocates nothing. */
export interface Conn {
  readonly remoteAddr: NetAddr;
  readonly localAddr: NetAddr;
  /** Reads into `buf`; resolves to the byte count, or `null` at end of stream. */
  read(buf: Uint8Array): Promise<number | null>;
  /**
   * Writes all of `data`. The caller must not modify `data` until the promise settles.
   * Rejects when the peer is gone.
   */
  write(data: Uint8Array): Promise<void>;
  /** Closes both directions; safe to call more than once. */
  close(): void;
  setNoDelay(on: boolean): void;
}

export interface Listener {
  readonly addr: NetAddr;
  /** Resolves with the next connection, or `null` once the listener is closed. */
  accept(): Promise<Conn | null>;
  close(): void;
}

/** An open file. Positions are explicit so appends and reads never share a cursor. */
export interface FileHandle {
  /** Writes all of `data` at byte `position`. */
  writeAt(data: Uint8Array, position: number): Promise<void>;
  /** Reads up to `buf.length` bytes from `position`; resolves to the count (0 at end of file). */
  readAt(buf: Uint8Array, position: number): Promise<number>;
  /** Flushes written data to stable storage (fdatasync). Resolves only once it is durable. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface FileInfo {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly size: number;
}

/** Files and directories, with what a crash-safe store needs (sync, atomic rename). */
export interface FileSystem {
  /** Opens for reading and writing; `create` makes the file when it is missing. */
  open(path: string, opts: { create: boolean }): Promise<FileHandle>;
  readFile(path: string): Promise<Uint8Array>;
  /** Writes a whole file and syncs it (callers rename a temp file over the target). */
  writeFile(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string, opts?: { recursive: boolean }): Promise<void>;
  mkdir(path: string): Promise<void>;
  readDir(path: string): Promise<string[]>;
  /** null when nothing is there. */
  stat(path: string): Promise<FileInfo | null>;
  /** Makes a directory's entries (creations, renames, removals) durable. */
  syncDir(path: string): Promise<void>;
}

/** A running HTTP server (monitoring). */
export interface HttpServer {
  readonly addr: NetAddr;
  close(): Promise<void>;
}

/** A Web-standard request handler, as hono's `app.fetch` is. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGUSR1" | "SIGUSR2" | "SIGKILL";

export interface Platform {
  /** `deno` or `bun`: reported in `--version` and `/varz`. */
  readonly runtime: string;
  readonly runtimeVersion: string;
  readonly os: string;
  readonly arch: string;
  readonly pid: number;
  readonly args: readonly string[];

  listen(hostname: string, port: number): Promise<Listener>;
  connect(hostname: string, port: number): Promise<Conn>;
  /** Serves HTTP on `hostname:port` (0 or -1 picks a free port). */
  serveHttp(hostname: string, port: number, handler: FetchHandler): Promise<HttpServer>;

  /** Registers a handler; returns a function that removes it. */
  onSignal(signal: SignalName, handler: () => void): () => void;
  /** Sends `signal` to another process (the `--signal` command). */
  sendSignal(pid: number, signal: SignalName): void;
  env(name: string): string | undefined;
  exit(code: number): never;
  /** Resident set size of this process in bytes. */
  memoryRss(): number;
  /** CPU time this process has used, in microseconds (for /varz `cpu`). */
  cpuUsage?(): { user: number; system: number };

  readonly fs: FileSystem;

  writeStderr(text: string): void;
  writeStdout(text: string): void;
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, text: string): Promise<void>;
  removeFile(path: string): Promise<void>;
}
