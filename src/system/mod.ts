/** The system account: server events and `$SYS.REQ.*` answers. */
export { STATSZ_FIRST_MS, STATSZ_INTERVAL_MS, SystemService } from "./system.ts";
export type { SystemHost, SystemOptions } from "./system.ts";
export * from "./messages.ts";
export { type ServerStats, type ServerStatsMsg, statsz } from "./statsz.ts";
export * from "./subjects.ts";
export { RequestDecodeError } from "./request_options.ts";
