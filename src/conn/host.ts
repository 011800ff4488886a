/**
 * What a client connection needs from the server that owns it. Declared here, implemented by
 * `Server`, so that conn/ does not depend on server/.
 */
import type { Options } from "../config/options.ts";
import type { Account } from "../accounts/account.ts";
import type { Logger } from "../server/logger.ts";
import type { ClientConnection } from "./client.ts";
import type { ConnectOptions } from "./connect_options.ts";

/** Server-wide message counters, summed for `/varz`. */
export interface TrafficStats {
  inMsgs: number;
  inBytes: number;
  outMsgs: number;
  outBytes: number;
  slowConsumers: number;
  staleConnections: number;
}

export interface ClientHost {
  readonly options: Options;
  readonly logger: Logger;
  readonly stats: TrafficStats;
  readonly authRequired: boolean;
  /** The INFO line for a client (ends with CRLF); `extra` adds asynchronous INFO fields. */
  infoLine(client: ClientConnection, extra?: Record<string, unknown>): string;
  /** Checks credentials; returns the account to bind the client to, or null to refuse. */
  authenticate(client: ClientConnection, connect: ConnectOptions): Account | null;
  /** Schedules `client`'s outbound buffer to be written at the end of this event-loop turn. */
  markDirty(client: ClientConnection): void;
  /** The client's first CONNECT was accepted (it is authenticated and bound to its account). */
  clientConnected(client: ClientConnection): void;
  clientClosed(client: ClientConnection): void;
}
