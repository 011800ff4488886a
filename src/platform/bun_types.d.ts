/**
 * The slice of Bun's API that `bun.ts` uses, declared here so `deno check` can type it without
 * a dependency on `bun-types`. Names and signatures follow `bun-types` 1.4.5; nothing here is a
 * global, so a later `@types/bun` cannot clash with it.
 */

/** A TCP socket as handed to the handlers of `Bun.listen` and `Bun.connect`. */
export interface BunSocket<Data> {
  data: Data;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Bytes the kernel accepted: fewer than asked under backpressure, -1 once closed. */
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  /** Closes the socket; bytes already accepted still go out, then FIN. */
  end(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): boolean;
}

/** One set of handlers shared by every socket of a listener (or one connected socket). */
export interface BunSocketHandler<Data> {
  binaryType: "uint8array";
  open(socket: BunSocket<Data>): void;
  data(socket: BunSocket<Data>, chunk: Uint8Array): void;
  drain(socket: BunSocket<Data>): void;
  close(socket: BunSocket<Data>, error?: Error): void;
  error(socket: BunSocket<Data>, error: Error): void;
}

export interface BunTcpListener {
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting; open sockets stay open unless `closeActiveConnections`. */
  stop(closeActiveConnections?: boolean): void;
}

export interface BunHttpServer {
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  /** Stops accepting; resolves once in-flight requests have finished and every connection closed. */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

export interface BunApi {
  readonly version: string;
  listen<Data>(options: {
    hostname: string;
    port: number;
    socket: BunSocketHandler<Data>;
  }): BunTcpListener;
  connect<Data>(options: {
    hostname: string;
    port: number;
    socket: BunSocketHandler<Data>;
  }): Promise<BunSocket<Data>>;
  serve(options: {
    hostname: string;
    port: number;
    /** Development mode answers errors with stack traces: never for a server users run. */
    development: boolean;
    /** Left out, Bun 1.4.5 sets SO_REUSEPORT: a second server could bind the same port. */
    reusePort: boolean;
    fetch(request: Request): Response | Promise<Response>;
  }): BunHttpServer;
}
