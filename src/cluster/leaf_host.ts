/**
 * What a leaf link needs from the subsystem that owns it (`LeafNodes`), declared here so the
 * link can be tested with a fake host.
 */
import type { Options } from "../config/options.ts";
import type { Account } from "../accounts/account.ts";
import type { TrafficStats } from "../conn/host.ts";
import type { Logger } from "../server/logger.ts";
import type { AccountInterest } from "./leaf_interest.ts";
import type { LeafConnectInfo } from "./leaf_protocol.ts";
import type { LeafConnection } from "./leafnode.ts";

export interface LeafHost {
  readonly options: Options;
  readonly logger: Logger;
  readonly stats: TrafficStats;
  readonly serverId: string;
  readonly serverName: string;
  /** How long an accepted link may take to send CONNECT. */
  readonly authTimeoutMs: number;
  /** The hub's first INFO line for an accepted link (ends with CRLF). */
  hubInfoLine(link: LeafConnection, nonce: string): string;
  /** The INFO that completes an accepted link's connect, naming its account. */
  hubConnectInfoLine(link: LeafConnection, account: Account): string;
  /** Checks an accepted leaf's CONNECT; the account to bind to, or null to refuse. */
  authenticate(info: LeafConnectInfo, nonce: string): Account | null;
  /** The interest router of `account` (made on first use). */
  interestFor(account: Account): AccountInterest;
  /** Schedules `link`'s outbound buffer to be written at the end of this turn. */
  markDirty(link: LeafConnection): void;
  /** The link finished its handshake. */
  linkActive(link: LeafConnection): void;
  linkClosed(link: LeafConnection): void;
  /** Counts a leaf link cut as a slow consumer (`/varz` slow_consumer_stats.leafs). */
  leafSlowConsumer(): void;
}
