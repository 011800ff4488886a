/**
 * The INFO line. Fields and their order follow nats-server's `Info` struct; everything but the
 * per-client fields is encoded once at start-up.
 */
import { COMPAT_NATS_VERSION, PROTOCOL_VERSION } from "../config/options.ts";

export interface InfoFields {
  serverId: string;
  serverName: string;
  host: string;
  port: number;
  maxPayload: number;
  authRequired: boolean;
  jetstream: boolean;
}

/** The JSON object's text up to (and without) the per-client fields and closing brace. */
export function buildInfoPrefix(f: InfoFields): string {
  const info: Record<string, unknown> = {
    server_id: f.serverId,
    server_name: f.serverName,
    version: COMPAT_NATS_VERSION,
    proto: PROTOCOL_VERSION,
    host: f.host,
    port: f.port,
    headers: true,
    max_payload: f.maxPayload,
  };
  if (f.authRequired) info.auth_required = true;
  if (f.jetstream) info.jetstream = true;
  const json = JSON.stringify(info);
  return json.slice(0, -1);
}

/**
 * `INFO {...} \r\n`: nats-server puts a space before the CRLF, and so do we. `extra` adds
 * fields of an asynchronous INFO (e.g. `ldm`).
 */
export function clientInfoLine(
  prefix: string,
  clientId: number,
  clientIp: string,
  extra?: Record<string, unknown>,
): string {
  const more = extra ? "," + JSON.stringify(extra).slice(1, -1) : "";
  return `INFO ${prefix},"client_id":${clientId},"client_ip":${
    JSON.stringify(clientIp)
  }${more}} \r\n`;
}
