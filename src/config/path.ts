/**
 * The little path arithmetic `include` needs (a file's directory, joining, cleaning), without
 * touching the runtime. Handles `/` and `\` separators and Windows drive letters.
 */

/** True for `/x`, `\x`, `C:\x`, `C:/x`. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(path);
}

/** The directory part of `path` (`"."` when there is none). */
export function dirname(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (cut < 0) return ".";
  if (cut === 0) return path[0];
  if (/^[A-Za-z]:$/.test(path.slice(0, cut))) return path.slice(0, cut + 1);
  return path.slice(0, cut);
}

/** Removes `.` segments and resolvable `..` segments, keeping the first separator style. */
export function cleanPath(path: string): string {
  const sep = path.includes("\\") && !path.includes("/") ? "\\" : "/";
  const parts = path.split(/[\\/]/);
  const absolute = isAbsolutePath(path);
  const head = absolute ? parts.shift()! : "";
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") {
      out.pop();
    } else if (part === ".." && absolute) {
      continue; // above the root is the root
    } else {
      out.push(part);
    }
  }
  const body = out.join(sep);
  if (absolute) return `${head}${sep}${body}`;
  return body === "" ? "." : body;
}

/** Resolves `target` against the directory of `fromFile`, as nats-server does for `include`. */
export function resolveRelative(fromFile: string, target: string): string {
  if (isAbsolutePath(target)) return cleanPath(target);
  return cleanPath(`${dirname(fromFile)}/${target}`);
}
