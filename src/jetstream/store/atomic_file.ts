/**
 * Crash-safe whole-file replacement: write a temp file and sync it, rename it over the target,
 * sync the directory. After a crash the target holds either the old or the new content.
 */

import type { FileSystem } from "../../platform/types.ts";

export async function writeFileAtomic(
  fs: FileSystem,
  dir: string,
  name: string,
  data: Uint8Array,
  opts: { syncDir: boolean } = { syncDir: true },
): Promise<void> {
  const tmp = `${dir}/${name}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, `${dir}/${name}`);
  if (opts.syncDir) await fs.syncDir(dir);
}

/** The file's bytes, or null when it does not exist. */
export async function readFileIfExists(fs: FileSystem, path: string): Promise<Uint8Array | null> {
  if (await fs.stat(path) === null) return null;
  return await fs.readFile(path);
}

/** The directory holding `path` ("/" for a top-level entry, "." for a bare name). */
export function parentDir(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : i === 0 ? "/" : ".";
}

/**
 * Creates `dir` (and missing parents) so that it survives a power loss: each new directory's
 * entry is synced in its parent. A directory that already exists is left alone.
 */
export async function mkdirDurable(fs: FileSystem, dir: string): Promise<void> {
  const created: string[] = [];
  for (let p = dir; await fs.stat(p) === null; p = parentDir(p)) {
    created.push(p);
    if (p === "/" || p === ".") break;
  }
  if (created.length === 0) return;
  await fs.mkdir(dir);
  for (const p of created) await fs.syncDir(parentDir(p));
}
