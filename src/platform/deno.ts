/**
 * The Deno implementation of `Platform`: TCP through `Deno.listen`/`Deno.connect`, files,
 * signals and process facts through the `Deno` namespace.
 */
import type {
  Conn,
  FetchHandler,
  HttpServer,
  Listener,
  NetAddr,
  Platform,
  SignalName,
} from "./types.ts";
import { createDenoFileSystem } from "./deno_fs.ts";
// Deno has no native call for process CPU time; its Node compatibility layer does.
import nodeProcess from "node:process";

function toAddr(addr: Deno.Addr): NetAddr {
  const net = addr as Deno.NetAddr;
  return { hostname: net.hostname, port: net.port };
}

class DenoConn implements Conn {
  readonly remoteAddr: NetAddr;
  readonly localAddr: NetAddr;
  #conn: Deno.TcpConn;
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.remoteAddr = toAddr(conn.remoteAddr);
    this.localAddr = toAddr(conn.localAddr);
  }

  async read(buf: Uint8Array): Promise<number | null> {
    try {
      return await this.#conn.read(buf);
    } catch (err) {
      // A reset or a read after our own close is an ordinary end of stream for the server.
      if (this.#closed || isDisconnect(err)) return null;
      throw err;
    }
  }

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) {
      off += await this.#conn.write(off === 0 ? data : data.subarray(off));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer: nothing left to release.
    }
  }

  setNoDelay(on: boolean): void {
    try {
      this.#conn.setNoDelay(on);
    } catch {
      // The socket may already be gone; the option is only an optimisation.
    }
  }
}

function isDisconnect(err: unknown): boolean {
  return err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.BrokenPipe ||
    err instanceof Deno.errors.BadResource ||
    err instanceof Deno.errors.Interrupted ||
    err instanceof Deno.errors.NotConnected ||
    err instanceof Deno.errors.ConnectionAborted;
}

class DenoListener implements Listener {
  readonly addr: NetAddr;
  #listener: Deno.TcpListener;
  #closed = false;

  constructor(listener: Deno.TcpListener) {
    this.#listener = listener;
    this.addr = toAddr(listener.addr);
  }

  async accept(): Promise<Conn | null> {
    while (!this.#closed) {
      try {
        return new DenoConn(await this.#listener.accept());
      } catch (err) {
        if (this.#closed || err instanceof Deno.errors.BadResource) return null;
        // EMFILE and friends: keep serving the connections we have, and try again shortly.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return null;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
  }
}

function writeAllSync(stream: { writeSync(p: Uint8Array): number }, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += stream.writeSync(data.subarray(off));
}

export function createDenoPlatform(): Platform {
  return {
    runtime: "deno",
    runtimeVersion: Deno.version.deno,
    os: Deno.build.os,
    arch: Deno.build.arch,
    pid: Deno.pid,
    args: Deno.args,

    listen(hostname: string, port: number): Promise<Listener> {
      try {
        return Promise.resolve(
          new DenoListener(Deno.listen({ hostname, port: Math.max(port, 0) })),
        );
      } catch (err) {
        return Promise.reject(err);
      }
    },
    async connect(hostname: string, port: number): Promise<Conn> {
      return new DenoConn(await Deno.connect({ hostname, port }));
    },
    serveHttp(hostname: string, port: number, handler: FetchHandler): Promise<HttpServer> {
      return new Promise((resolve) => {
        const server = Deno.serve({
          hostname,
          port: Math.max(port, 0),
          onListen: (addr) => {
            resolve({ addr: toAddr(addr), close: () => server.shutdown() });
          },
        }, handler);
      });
    },
    onSignal(signal: SignalName, handler: () => void): () => void {
      if (Deno.build.os === "windows" && signal !== "SIGINT") return () => {};
      Deno.addSignalListener(signal, handler);
      return () => Deno.removeSignalListener(signal, handler);
    },
    sendSignal(pid: number, signal: SignalName): void {
      Deno.kill(pid, signal);
    },
    env: (name) => Deno.env.get(name),
    exit: (code) => Deno.exit(code),
    memoryRss: () => Deno.memoryUsage().rss,
    cpuUsage: () => nodeProcess.cpuUsage(),
    fs: createDenoFileSystem(),
    writeStderr(text: string): void {
      writeAllSync(Deno.stderr, new TextEncoder().encode(text));
    },
    writeStdout(text: string): void {
      writeAllSync(Deno.stdout, new TextEncoder().encode(text));
    },
    readTextFile: (path) => Deno.readTextFile(path),
    writeTextFile: (path, text) => Deno.writeTextFile(path, text),
    removeFile: (path) => Deno.remove(path),
  };
}
