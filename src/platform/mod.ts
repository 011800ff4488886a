export type { Conn, Listener, NetAddr, Platform, SignalName } from "./types.ts";
export { selectPlatform } from "./select.ts";
