/**
 * The Bun implementation of `Platform`: HTTP through `Bun.serve` (which takes the same fetch
 * handler as `Deno.serve`); signals, environment, stdio, text files and process facts through
 * `node:` modules. TCP lives in `bun_net.ts`, the stores' file system in `bun_fs.ts`.
 *
 * The process reports the same `os`/`arch` vocabulary as the Deno adapter (`windows`,
 * `x86_64`, `aarch64`) so `--version` and `/varz` read the same on both runtimes.
 */
import process from "node:process";
import { writeSync } from "node:fs";
import { readFile, unlink, writeFile } from "node:fs/promises";
import type { Conn, FetchHandler, HttpServer, Listener, Platform, SignalName } from "./types.ts";
import type { BunApi } from "./bun_types.d.ts";
import { connectTcp, listenTcp, netError } from "./bun_net.ts";
import { createBunFileSystem } from "./bun_fs.ts";

function bunApi(): BunApi {
  return (globalThis as unknown as { Bun: BunApi }).Bun;
}

function osName(): string {
  return process.platform === "win32" ? "windows" : process.platform;
}

function archName(): string {
  if (process.arch === "x64") return "x86_64";
  if (process.arch === "arm64") return "aarch64";
  return process.arch;
}

const encoder = new TextEncoder();

/**
 * Writes all of `text` to fd 1 or 2 synchronously, like the Deno adapter, so the last lines
 * before an exit are not lost.
 */
function writeFdSync(fd: 1 | 2, text: string): void {
  const data = encoder.encode(text);
  let off = 0;
  try {
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  } catch {
    // A full non-blocking pipe (EAGAIN): let the stream buffer the rest instead.
    (fd === 1 ? process.stdout : process.stderr).write(data.subarray(off));
  }
}

export function createBunPlatform(): Platform {
  const bun = bunApi();
  // Every member is a closure, never a method using `this`: callers pass them around unbound.
  return {
    runtime: "bun",
    runtimeVersion: bun.version,
    os: osName(),
    arch: archName(),
    pid: process.pid,
    // argv is [bun, script, ...args], also in a compiled binary (the script is then virtual).
    args: process.argv.slice(2),

    listen(hostname: string, port: number): Promise<Listener> {
      try {
        return Promise.resolve(listenTcp(bun, hostname, Math.max(port, 0)));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    connect: (hostname: string, port: number): Promise<Conn> => connectTcp(bun, hostname, port),
    serveHttp(hostname: string, port: number, handler: FetchHandler): Promise<HttpServer> {
      try {
        const server = bun.serve({
          hostname,
          port: Math.max(port, 0),
          development: false,
          // Explicitly off: Bun's default shares the port with another process bound to it,
          // where a second server must fail with EADDRINUSE like the Deno one does.
          reusePort: false,
          fetch: handler,
        });
        return Promise.resolve({
          addr: { hostname: server.hostname ?? hostname, port: server.port ?? 0 },
          close: () => server.stop(),
        });
      } catch (err) {
        return Promise.reject(netError(err));
      }
    },
    onSignal(signal: SignalName, handler: () => void): () => void {
      if (process.platform === "win32" && signal !== "SIGINT") return () => {};
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    sendSignal(pid: number, signal: SignalName): void {
      process.kill(pid, signal);
    },
    env: (name) => process.env[name],
    exit: (code) => process.exit(code),
    memoryRss: () => process.memoryUsage().rss,
    fs: createBunFileSystem(),
    writeStderr: (text) => writeFdSync(2, text),
    writeStdout: (text) => writeFdSync(1, text),
    readTextFile: (path) => readFile(path, "utf8"),
    writeTextFile: (path, text) => writeFile(path, text),
    removeFile: (path) => unlink(path),
  };
}
