/**
 * `/healthz`: `{"status":"ok"}` while the server accepts clients; nats-server's JetStream
 * checks join here when JetStream lands. A failed check is HTTP 503 with an `error`.
 */
import { queryBool, type QueryParams } from "./query.ts";
import type { MonitorSource } from "./source.ts";

export interface HealthzOptions {
  /** Deprecated alias of `jsEnabledOnly` (`js-enabled`). */
  jsEnabled?: boolean;
  jsEnabledOnly?: boolean;
  jsServerOnly?: boolean;
}

export interface HealthStatus {
  status: string;
  error?: string;
}

export function parseHealthzQuery(q: QueryParams): HealthzOptions {
  const jsEnabled = queryBool(q, "js-enabled");
  const jsEnabledOnly = queryBool(q, "js-enabled-only");
  const jsServerOnly = queryBool(q, "js-server-only");
  return { jsEnabled, jsEnabledOnly, jsServerOnly };
}

export function healthz(src: MonitorSource, _opts: HealthzOptions = {}): HealthStatus {
  if (src.boundPorts.client === 0) {
    return { status: "error", error: "server not ready for client connections" };
  }
  return { status: "ok" };
}
