/** The Deno `FileSystem`: positional reads and writes on `Deno.FsFile`, fdatasync, dir sync. */
import type { FileHandle, FileInfo, FileSystem } from "./types.ts";

/**
 * Deno has no pread/pwrite, so positional I/O is seek + read/write; operations on one handle
 * are run one after another so that concurrent callers never move each other's cursor.
 */
class DenoFileHandle implements FileHandle {
  #file: Deno.FsFile;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(op, op);
    this.#tail = run.catch(() => {});
    return run;
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.#serial(async () => {
      await this.#file.seek(position, Deno.SeekMode.Start);
      let off = 0;
      while (off < data.length) off += await this.#file.write(data.subarray(off));
    });
  }

  readAt(buf: Uint8Array, position: number): Promise<number> {
    return this.#serial(async () => {
      await this.#file.seek(position, Deno.SeekMode.Start);
      let off = 0;
      while (off < buf.length) {
        const n = await this.#file.read(buf.subarray(off));
        if (n === null) break;
        off += n;
      }
      return off;
    });
  }

  sync(): Promise<void> {
    return this.#serial(() => this.#file.syncData());
  }

  truncate(length: number): Promise<void> {
    return this.#serial(() => this.#file.truncate(length));
  }

  size(): Promise<number> {
    return this.#serial(async () => (await this.#file.stat()).size);
  }

  close(): Promise<void> {
    return this.#serial(() => {
      this.#file.close();
      return Promise.resolve();
    });
  }
}

export function createDenoFileSystem(): FileSystem {
  return {
    async open(path, opts) {
      return new DenoFileHandle(
        await Deno.open(path, { read: true, write: true, create: opts.create }),
      );
    },
    readFile: (path) => Deno.readFile(path),
    async writeFile(path, data) {
      const file = await Deno.open(path, { write: true, create: true, truncate: true });
      try {
        let off = 0;
        while (off < data.length) off += await file.write(data.subarray(off));
        await file.syncData();
      } finally {
        file.close();
      }
    },
    rename: (from, to) => Deno.rename(from, to),
    remove: (path, opts) => Deno.remove(path, { recursive: opts?.recursive ?? false }),
    mkdir: (path) => Deno.mkdir(path, { recursive: true }),
    async readDir(path) {
      const names: string[] = [];
      for await (const entry of Deno.readDir(path)) names.push(entry.name);
      return names.sort();
    },
    async stat(path): Promise<FileInfo | null> {
      try {
        const s = await Deno.stat(path);
        return { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size };
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return null;
        throw err;
      }
    },
    async syncDir(path) {
      if (Deno.build.os === "windows") return; // directories cannot be opened for sync there
      const dir = await Deno.open(path, { read: true });
      try {
        await dir.sync();
      } finally {
        dir.close();
      }
    },
  };
}
