/**
 * `/gatewayz`: super-cluster gateways. Until gateways land the document is nats-server's shape
 * for a server without a gateway (no name, host or port; empty maps).
 */
import { hiResNow, rfc3339 } from "./format.ts";
import { queryBool, type QueryParams } from "./query.ts";
import type { MonitorSource } from "./source.ts";

export interface GatewayzOptions {
  /** Only the remote gateway of this name. */
  name?: string;
  /** Include per-account interest (implied by `accountName`). */
  accounts?: boolean;
  accountName?: string;
}

export interface Gatewayz {
  server_id: string;
  now: string;
  name?: string;
  host?: string;
  port?: number;
  outbound_gateways: Record<string, unknown>;
  inbound_gateways: Record<string, unknown[]>;
}

export function parseGatewayzQuery(q: QueryParams): GatewayzOptions {
  const accountName = q.get("acc_name") ?? "";
  const accounts = queryBool(q, "accs") || accountName !== "";
  return { name: q.get("gw_name") ?? "", accounts, accountName };
}

export function gatewayz(
  src: MonitorSource,
  _opts: GatewayzOptions = {},
  now = hiResNow(),
): Gatewayz {
  return { server_id: src.id, now: rfc3339(now), outbound_gateways: {}, inbound_gateways: {} };
}
