/**
 * The Bun `FileSystem`, through `node:fs/promises`: positional reads and writes are real
 * pread/pwrite, so unlike the Deno one no per-handle queue is needed to protect a cursor.
 */
import { constants } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import type { FileHandle as NodeFileHandle } from "node:fs/promises";
import process from "node:process";
import type { FileHandle, FileInfo, FileSystem } from "./types.ts";

class BunFileHandle implements FileHandle {
  #file: NodeFileHandle;

  constructor(file: NodeFileHandle) {
    this.#file = file;
  }

  async writeAt(data: Uint8Array, position: number): Promise<void> {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.#file.write(
        data,
        off,
        data.length - off,
        position + off,
      );
      off += bytesWritten;
    }
  }

  async readAt(buf: Uint8Array, position: number): Promise<number> {
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await this.#file.read(buf, off, buf.length - off, position + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return off;
  }

  sync(): Promise<void> {
    return this.#file.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.#file.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.#file.stat()).size;
  }

  close(): Promise<void> {
    return this.#file.close();
  }
}

function errCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

export function createBunFileSystem(): FileSystem {
  return {
    async open(path, opts) {
      const flags = constants.O_RDWR | (opts.create ? constants.O_CREAT : 0);
      return new BunFileHandle(await open(path, flags, 0o644));
    },
    async readFile(path) {
      const buf = await readFile(path);
      // A plain view, not a Buffer: Buffer's `slice` shares memory where Uint8Array's copies.
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    },
    async writeFile(path, data) {
      const file = await open(path, "w", 0o644);
      try {
        let off = 0;
        while (off < data.length) {
          off += (await file.write(data, off, data.length - off)).bytesWritten;
        }
        await file.datasync();
      } finally {
        await file.close();
      }
    },
    rename: (from, to) => rename(from, to),
    async remove(path, opts) {
      if (opts?.recursive) return await rm(path, { recursive: true });
      // Like Deno.remove: a file, or an empty directory (unlink says EISDIR, or EPERM on macOS).
      try {
        await unlink(path);
      } catch (err) {
        const code = errCode(err);
        if (code !== "EISDIR" && code !== "EPERM") throw err;
        await rmdir(path);
      }
    },
    async mkdir(path) {
      await mkdir(path, { recursive: true });
    },
    async readDir(path) {
      return (await readdir(path)).sort();
    },
    async stat(path): Promise<FileInfo | null> {
      try {
        const s = await stat(path);
        return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size };
      } catch (err) {
        if (errCode(err) === "ENOENT") return null;
        throw err;
      }
    },
    async syncDir(path) {
      if (process.platform === "win32") return; // directories cannot be opened for sync there
      const dir = await open(path, "r");
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    },
  };
}
