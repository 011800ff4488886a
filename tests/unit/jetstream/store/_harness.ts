/**
 * Test harnesses for the store suites: one way to create, reopen and dispose of a store per
 * kind (MemStore; FileStore on the in-memory FileSystem; FileStore on the real Deno file
 * system in a temp dir), a fake clock, and a seeded PRNG.
 */

import { MemStore } from "../../../../src/jetstream/store/mem_store.ts";
import { FileStore, type FileStoreOptions } from "../../../../src/jetstream/store/file_store.ts";
import type { StoreConfig, StreamStore } from "../../../../src/jetstream/store/store.ts";
import { MemoryFileSystem } from "../../../../src/platform/memory_fs.ts";
import { createDenoFileSystem } from "../../../../src/platform/deno_fs.ts";
import type { FileSystem } from "../../../../src/platform/types.ts";

export interface StoreHarness {
  readonly kind: string;
  /** Opens a fresh store (closed by `dispose`). */
  create(config?: Partial<StoreConfig>, opts?: { now?: () => number }): Promise<StreamStore>;
  /** Closes `store` and opens the same one again; null for stores that do not persist. */
  reopen: ((store: StreamStore, config?: Partial<StoreConfig>) => Promise<StreamStore>) | null;
  dispose(): Promise<void>;
}

export type HarnessFactory = () => Promise<StoreHarness>;

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock the test moves by hand (ns). */
export class FakeClock {
  ns = 1_700_000_000_000_000_000;
  readonly now = (): number => this.ns;
  advanceMs(ms: number): void {
    this.ns += ms * 1_000_000;
  }
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();

export function memHarness(): Promise<StoreHarness> {
  const open: StreamStore[] = [];
  return Promise.resolve({
    kind: "MemStore",
    create(config = {}, opts = {}) {
      const s = new MemStore(config, { ...opts, expiryTimer: false });
      open.push(s);
      return Promise.resolve(s);
    },
    reopen: null,
    async dispose() {
      for (const s of open) await s.close();
    },
  });
}

function fileHarness(
  kind: string,
  fs: FileSystem,
  root: string,
  extraOpts: FileStoreOptions,
  cleanup: () => Promise<void>,
): StoreHarness {
  const open: StreamStore[] = [];
  const options = new Map<StreamStore, { dir: string; opts: FileStoreOptions }>();
  let n = 0;
  const openAt = async (dir: string, config: Partial<StoreConfig>, opts: FileStoreOptions) => {
    const s = await FileStore.open(fs, dir, config, opts);
    open.push(s);
    options.set(s, { dir, opts });
    return s;
  };
  return {
    kind,
    create(config = {}, opts = {}) {
      return openAt(`${root}/stream${++n}`, config, { ...extraOpts, ...opts, expiryTimer: false });
    },
    async reopen(store, config = {}) {
      const o = options.get(store)!;
      await store.close();
      return openAt(o.dir, { ...store.config, ...config }, o.opts);
    },
    async dispose() {
      for (const s of open) await s.close();
      await cleanup();
    },
  };
}

/** Small segments so tests cross segment boundaries, drop and compact. */
const SMALL_SEGMENTS: FileStoreOptions = { maxSegmentBytes: 2048, compactMinBytes: 512 };

export function memFsHarness(): Promise<StoreHarness> {
  const fs = new MemoryFileSystem();
  return Promise.resolve(
    fileHarness("FileStore(memory fs)", fs, "/data", SMALL_SEGMENTS, () => Promise.resolve()),
  );
}

export async function denoFsHarness(): Promise<StoreHarness> {
  const root = await Deno.makeTempDir({ prefix: "skiff-store-" });
  return fileHarness(
    "FileStore(deno fs)",
    createDenoFileSystem(),
    root,
    SMALL_SEGMENTS,
    () => Deno.remove(root, { recursive: true }),
  );
}

/** Runs `body` with a fresh harness and always disposes of it. */
export async function withHarness(
  factory: HarnessFactory,
  body: (h: StoreHarness) => Promise<void>,
): Promise<void> {
  const h = await factory();
  try {
    await body(h);
  } finally {
    await h.dispose();
  }
}
