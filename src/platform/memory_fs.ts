/**
 * An in-memory `FileSystem` that models what survives a crash, for storage tests.
 *
 * Each file (inode) has a volatile image (the page cache: what reads see) and a durable image
 * (what the disk holds). Writes and truncations change the volatile image and are logged;
 * `sync()` makes the file's content durable. Names work the same way: creating, renaming and
 * removing change the visible namespace and are logged; `syncDir(dir)` makes the changes in that
 * directory durable, as on Linux, where fsync of a new file does not make its name durable.
 *
 * `crash()` then keeps only durable state (a power loss) or everything (a process kill), and may
 * let a random prefix of each file's unsynced writes through, the last one torn at a random
 * byte, plus a random prefix of the unsynced namespace changes (journaled, so in order). Handles
 * opened before a crash fail afterwards. Damage helpers (`flipBit`, `truncateFile`) change both
 * images, like corruption at rest; `failNext` injects one I/O error.
 */

import type { FileHandle, FileInfo, FileSystem } from "./types.ts";

interface Inode {
  data: Uint8Array;
  length: number;
  durable: Uint8Array;
  /** Writes and truncations since the last sync, in order. */
  pending: ({ position: number; bytes: Uint8Array } | { truncate: number })[];
}

type NamespaceOp =
  | { op: "bind"; path: string; inode: Inode }
  | { op: "unbind"; path: string }
  | { op: "mkdir"; path: string }
  | { op: "rmdir"; path: string };

export interface CrashOptions {
  /** "power" (default): only synced state survives. "process": the OS lives on, nothing is lost. */
  kind?: "power" | "process";
  /** Lets a random part of the unsynced state through a power loss; without it, none survives. */
  rng?: () => number;
  /** With `rng`: the first unsynced write that does not survive is torn (a random prefix lands). */
  tornWrites?: boolean;
}

export type FaultOp = "open" | "writeAt" | "sync" | "truncate" | "writeFile" | "rename" | "syncDir";

export interface MemoryFsStats {
  syncs: number;
  dirSyncs: number;
  writes: number;
  bytesWritten: number;
}

export class MemoryFileSystem implements FileSystem {
  #files = new Map<string, Inode>();
  #durableFiles = new Map<string, Inode>();
  #dirs = new Set<string>(["/"]);
  #durableDirs = new Set<string>(["/"]);
  #nsLog: NamespaceOp[] = [];
  #generation = 0;
  #faults: { op: FaultOp; match: (path: string) => boolean; error: Error }[] = [];
  readonly stats: MemoryFsStats = { syncs: 0, dirSyncs: 0, writes: 0, bytesWritten: 0 };

  open(path: string, opts: { create: boolean }): Promise<FileHandle> {
    path = normalizePath(path);
    this.#fault("open", path);
    let inode = this.#files.get(path);
    if (inode === undefined) {
      if (!opts.create) return Promise.reject(notFound(path));
      this.#requireDir(parentOf(path));
      inode = { data: new Uint8Array(0), length: 0, durable: new Uint8Array(0), pending: [] };
      this.#nsChange({ op: "bind", path, inode });
    }
    return Promise.resolve(new MemoryFileHandle(this, inode, path));
  }

  readFile(path: string): Promise<Uint8Array> {
    const inode = this.#files.get(normalizePath(path));
    if (inode === undefined) return Promise.reject(notFound(path));
    return Promise.resolve(inode.data.slice(0, inode.length));
  }

  writeFile(path: string, data: Uint8Array): Promise<void> {
    path = normalizePath(path);
    this.#fault("writeFile", path);
    this.#requireDir(parentOf(path));
    let inode = this.#files.get(path);
    if (inode === undefined) {
      inode = { data: new Uint8Array(0), length: 0, durable: new Uint8Array(0), pending: [] };
      this.#nsChange({ op: "bind", path, inode });
    }
    inode.data = data.slice();
    inode.length = data.length;
    inode.durable = data.slice();
    inode.pending = [];
    this.stats.writes++;
    this.stats.bytesWritten += data.length;
    this.stats.syncs++;
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    from = normalizePath(from);
    to = normalizePath(to);
    this.#fault("rename", from);
    const inode = this.#files.get(from);
    if (inode === undefined) return Promise.reject(notFound(from));
    this.#requireDir(parentOf(to));
    this.#nsChange({ op: "unbind", path: from });
    this.#nsChange({ op: "bind", path: to, inode });
    return Promise.resolve();
  }

  remove(path: string, opts?: { recursive: boolean }): Promise<void> {
    path = normalizePath(path);
    if (this.#files.has(path)) {
      this.#nsChange({ op: "unbind", path });
      return Promise.resolve();
    }
    if (!this.#dirs.has(path)) return Promise.reject(notFound(path));
    const children = this.#childrenOf(path);
    if (children.length > 0 && !opts?.recursive) {
      return Promise.reject(new Error(`directory not empty: ${path}`));
    }
    for (const name of children) {
      const child = joinPath(path, name);
      if (this.#files.has(child)) this.#nsChange({ op: "unbind", path: child });
      else void this.remove(child, { recursive: true });
    }
    this.#nsChange({ op: "rmdir", path });
    return Promise.resolve();
  }

  mkdir(path: string): Promise<void> {
    path = normalizePath(path);
    const missing: string[] = [];
    for (let p = path; !this.#dirs.has(p); p = parentOf(p)) {
      if (this.#files.has(p)) return Promise.reject(new Error(`not a directory: ${p}`));
      missing.push(p);
    }
    for (const p of missing.reverse()) this.#nsChange({ op: "mkdir", path: p });
    return Promise.resolve();
  }

  readDir(path: string): Promise<string[]> {
    path = normalizePath(path);
    if (!this.#dirs.has(path)) return Promise.reject(notFound(path));
    return Promise.resolve(this.#childrenOf(path).sort());
  }

  stat(path: string): Promise<FileInfo | null> {
    path = normalizePath(path);
    const inode = this.#files.get(path);
    if (inode !== undefined) {
      return Promise.resolve({ isFile: true, isDirectory: false, size: inode.length });
    }
    if (this.#dirs.has(path)) return Promise.resolve({ isFile: false, isDirectory: true, size: 0 });
    return Promise.resolve(null);
  }

  syncDir(path: string): Promise<void> {
    path = normalizePath(path);
    this.#fault("syncDir", path);
    if (!this.#dirs.has(path)) return Promise.reject(notFound(path));
    this.stats.dirSyncs++;
    const rest: NamespaceOp[] = [];
    for (const op of this.#nsLog) {
      if (parentOf(op.path) === path) this.#applyDurable(op);
      else rest.push(op);
    }
    this.#nsLog = rest;
    return Promise.resolve();
  }

  // ---- crash simulation and damage ----

  /** Simulates a crash; afterwards the file system holds what would survive it. */
  crash(opts: CrashOptions = {}): void {
    this.#generation++;
    if (opts.kind === "process") return;
    const rng = opts.rng;
    const keptOps = rng === undefined ? 0 : Math.floor(rng() * (this.#nsLog.length + 1));
    for (const op of this.#nsLog.slice(0, keptOps)) this.#applyDurable(op);
    this.#nsLog = [];
    const inodes = new Set(this.#durableFiles.values());
    for (const inode of inodes) {
      let image: Uint8Array = inode.durable.slice();
      if (rng !== undefined && inode.pending.length > 0) {
        const kept = Math.floor(rng() * (inode.pending.length + 1));
        for (let i = 0; i < kept; i++) image = applyOp(image, inode.pending[i]);
        const next = inode.pending[kept];
        if (opts.tornWrites && next !== undefined && "bytes" in next && next.bytes.length > 1) {
          const cut = Math.floor(rng() * next.bytes.length);
          image = applyOp(image, { position: next.position, bytes: next.bytes.subarray(0, cut) });
        }
      }
      inode.data = image;
      inode.length = image.length;
      inode.durable = image.slice();
      inode.pending = [];
    }
    // A name survives only if every directory above it does.
    const alive = (dir: string): boolean =>
      dir === "/" || (this.#durableDirs.has(dir) && alive(parentOf(dir)));
    for (const d of [...this.#durableDirs]) if (!alive(d)) this.#durableDirs.delete(d);
    for (const p of [...this.#durableFiles.keys()]) {
      if (!alive(parentOf(p))) this.#durableFiles.delete(p);
    }
    this.#files = new Map(this.#durableFiles);
    this.#dirs = new Set(this.#durableDirs);
  }

  /** Flips one bit of a file, in both images. */
  flipBit(path: string, byteOffset: number, bit = 0): void {
    this.#damage(path, (b) => {
      if (byteOffset < b.length) b[byteOffset] ^= 1 << bit;
      return b;
    });
  }

  /** Cuts a file to `length` bytes, in both images. */
  truncateFile(path: string, length: number): void {
    this.#damage(path, (b) => b.slice(0, Math.min(length, b.length)));
  }

  /** Overwrites bytes of a file, in both images. */
  overwrite(path: string, byteOffset: number, bytes: Uint8Array): void {
    this.#damage(path, (b) => applyOp(b, { position: byteOffset, bytes }));
  }

  /** The bytes readers currently see, or null. */
  peek(path: string): Uint8Array | null {
    const inode = this.#files.get(normalizePath(path));
    return inode === undefined ? null : inode.data.slice(0, inode.length);
  }

  /** Makes the next `op` on a path matching `match` fail with `error`. */
  failNext(op: FaultOp, match: (path: string) => boolean = () => true, error?: Error): void {
    this.#faults.push({ op, match, error: error ?? new Error(`injected ${op} failure`) });
  }

  /**
   * A view of this file system for one "boot": it works until the next `crash()`, then every
   * call fails, as nothing of a crashed process can touch the disk afterwards. Give each store
   * incarnation its own mount so a store abandoned by a crash cannot interfere with recovery.
   */
  mount(): FileSystem {
    const generation = this.#generation;
    const check = () => {
      if (this.#generation !== generation) {
        throw new Error("file system mount is from before a crash");
      }
    };
    const guard = <A extends unknown[], R>(f: (...args: A) => Promise<R>) => (...args: A) => {
      try {
        check();
        return f(...args);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return {
      open: guard((path, opts) => this.open(path, opts)),
      readFile: guard((path) => this.readFile(path)),
      writeFile: guard((path, data) => this.writeFile(path, data)),
      rename: guard((from, to) => this.rename(from, to)),
      remove: guard((path, opts) => this.remove(path, opts)),
      mkdir: guard((path) => this.mkdir(path)),
      readDir: guard((path) => this.readDir(path)),
      stat: guard((path) => this.stat(path)),
      syncDir: guard((path) => this.syncDir(path)),
    };
  }

  // ---- used by handles ----

  get generation(): number {
    return this.#generation;
  }

  fault(op: FaultOp, path: string): void {
    this.#fault(op, path);
  }

  // ---- internals ----

  #fault(op: FaultOp, path: string): void {
    const i = this.#faults.findIndex((f) => f.op === op && f.match(path));
    if (i < 0) return;
    const [f] = this.#faults.splice(i, 1);
    throw f.error;
  }

  #damage(path: string, change: (b: Uint8Array) => Uint8Array): void {
    path = normalizePath(path);
    const inode = this.#files.get(path) ?? this.#durableFiles.get(path);
    if (inode === undefined) throw notFound(path);
    const visible = change(inode.data.slice(0, inode.length));
    inode.data = visible;
    inode.length = visible.length;
    inode.durable = change(inode.durable.slice());
  }

  #requireDir(path: string): void {
    if (!this.#dirs.has(path)) throw notFound(path);
  }

  #childrenOf(dir: string): string[] {
    const out: string[] = [];
    for (const p of this.#files.keys()) if (parentOf(p) === dir) out.push(baseName(p));
    for (const p of this.#dirs) if (p !== dir && parentOf(p) === dir) out.push(baseName(p));
    return out;
  }

  #nsChange(op: NamespaceOp): void {
    applyNamespace(this.#files, this.#dirs, op);
    this.#nsLog.push(op);
  }

  #applyDurable(op: NamespaceOp): void {
    applyNamespace(this.#durableFiles, this.#durableDirs, op);
  }
}

class MemoryFileHandle implements FileHandle {
  #fs: MemoryFileSystem;
  #inode: Inode;
  #path: string;
  #generation: number;
  #closed = false;

  constructor(fs: MemoryFileSystem, inode: Inode, path: string) {
    this.#fs = fs;
    this.#inode = inode;
    this.#path = path;
    this.#generation = fs.generation;
  }

  writeAt(data: Uint8Array, position: number): Promise<void> {
    return this.#run("writeAt", () => {
      const inode = this.#inode;
      const copy = data.slice();
      inode.data = applyOp(inode.data.subarray(0, inode.length), { position, bytes: copy });
      inode.length = inode.data.length;
      inode.pending.push({ position, bytes: copy });
      this.#fs.stats.writes++;
      this.#fs.stats.bytesWritten += data.length;
    });
  }

  readAt(buf: Uint8Array, position: number): Promise<number> {
    return this.#run(null, () => {
      const inode = this.#inode;
      if (position >= inode.length) return 0;
      const n = Math.min(buf.length, inode.length - position);
      buf.set(inode.data.subarray(position, position + n));
      return n;
    });
  }

  sync(): Promise<void> {
    return this.#run("sync", () => {
      const inode = this.#inode;
      inode.durable = inode.data.slice(0, inode.length);
      inode.pending = [];
      this.#fs.stats.syncs++;
    });
  }

  truncate(length: number): Promise<void> {
    return this.#run("truncate", () => {
      const inode = this.#inode;
      inode.data = applyOp(inode.data.subarray(0, inode.length), { truncate: length });
      inode.length = length;
      inode.pending.push({ truncate: length });
    });
  }

  size(): Promise<number> {
    return this.#run(null, () => this.#inode.length);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #run<T>(op: FaultOp | null, body: () => T): Promise<T> {
    try {
      if (this.#closed) throw new Error(`file is closed: ${this.#path}`);
      if (this.#generation !== this.#fs.generation) {
        throw new Error(`stale handle from before a crash: ${this.#path}`);
      }
      if (op !== null) this.#fs.fault(op, this.#path);
      return Promise.resolve(body());
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

function applyOp(
  image: Uint8Array,
  op: { position: number; bytes: Uint8Array } | { truncate: number },
): Uint8Array {
  if ("truncate" in op) {
    const out = new Uint8Array(op.truncate);
    out.set(image.subarray(0, Math.min(op.truncate, image.length)));
    return out;
  }
  const end = op.position + op.bytes.length;
  const out = end > image.length ? new Uint8Array(end) : image.slice();
  if (end > image.length) out.set(image);
  out.set(op.bytes, op.position);
  return out;
}

function applyNamespace(files: Map<string, Inode>, dirs: Set<string>, op: NamespaceOp): void {
  switch (op.op) {
    case "bind":
      files.set(op.path, op.inode);
      return;
    case "unbind":
      files.delete(op.path);
      return;
    case "mkdir":
      dirs.add(op.path);
      return;
    case "rmdir":
      dirs.delete(op.path);
      for (const p of [...files.keys()]) if (p.startsWith(op.path + "/")) files.delete(p);
      return;
  }
}

export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function joinPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function notFound(path: string): Error {
  const err = new Error(`no such file or directory: ${path}`);
  err.name = "NotFound";
  return err;
}
