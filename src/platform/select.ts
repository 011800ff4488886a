/**
 * Picks the platform implementation for the runtime we are running on. Adapters are loaded
 * lazily so a Deno process never evaluates the Bun adapter and vice versa.
 */
import type { Platform } from "./types.ts";

export async function selectPlatform(): Promise<Platform> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  // Bun first: it may one day define a `Deno` shim, Deno will not define `Bun`.
  if (g.Bun !== undefined) {
    const { createBunPlatform } = await import("./bun.ts");
    return createBunPlatform();
  }
  if (g.Deno !== undefined) {
    const { createDenoPlatform } = await import("./deno.ts");
    return createDenoPlatform();
  }
  throw new Error("Unsupported runtime: Skiff runs on Deno or Bun");
}
