/**
 * Picks the platform implementation for the runtime we are running on. Adapters are loaded
 * lazily so a Deno process never evaluates the Bun adapter and vice versa.
 */
import type { Platform } from "./types.ts";

export async function selectPlatform(): Promise<Platform> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) {
    const { createDenoPlatform } = await import("./deno.ts");
    return createDenoPlatform();
  }
  throw new Error("unsupported runtime: Skiff runs on Deno (a Bun adapter is planned)");
}
