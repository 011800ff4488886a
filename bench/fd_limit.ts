/**
 * The open-file limit of this process (each bench connection is one descriptor, and servers
 * spawned later inherit the limit): read it from /proc/self/limits and, on Linux, raise the
 * soft limit towards the hard one through libc setrlimit when a scenario needs more.
 */

const RLIMIT_NOFILE_LINUX = 7;

/** Soft "Max open files" of this process from /proc/self/limits, or Infinity if unknown. */
export function openFileLimit(): number {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const match = /^Max open files\s+(\S+)/m.exec(limits);
    return match === null || match[1] === "unlimited" ? Infinity : Number(match[1]);
  } catch {
    return Infinity;
  }
}

/**
 * Makes the soft limit at least `wanted` if the hard limit allows. Returns the limit in force
 * afterwards; never throws (a failure just leaves the limit as it was).
 */
export function ensureOpenFileLimit(wanted: number): number {
  const current = openFileLimit();
  if (current >= wanted || Deno.build.os !== "linux") return current;
  try {
    const libc = Deno.dlopen("libc.so.6", {
      getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
      setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
    });
    try {
      const limits = new BigUint64Array(2); // struct rlimit { rlim_cur, rlim_max }
      const bytes = new Uint8Array(limits.buffer);
      if (libc.symbols.getrlimit(RLIMIT_NOFILE_LINUX, bytes) === 0) {
        const target = BigInt(wanted) < limits[1] ? BigInt(wanted) : limits[1];
        if (target > limits[0]) {
          limits[0] = target;
          libc.symbols.setrlimit(RLIMIT_NOFILE_LINUX, bytes);
        }
      }
    } finally {
      libc.close();
    }
  } catch {
    // No libc.so.6 or no FFI permission: report the limit as it is.
  }
  return openFileLimit();
}
