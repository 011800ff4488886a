/**
 * The system account's subjects, as nats-server 2.9 names them (`events.go`). Events are
 * published by the server; requests (`$SYS.REQ.*`) are answered by it.
 */

export const connectEventSubject = (account: string) => `$SYS.ACCOUNT.${account}.CONNECT`;
export const disconnectEventSubject = (account: string) => `$SYS.ACCOUNT.${account}.DISCONNECT`;
/** Connection counts of an account, on the current subject and on the pre-2.2 one. */
export const accountConnsSubjects = (account: string) => [
  `$SYS.ACCOUNT.${account}.SERVER.CONNS`,
  `$SYS.SERVER.ACCOUNT.${account}.CONNS`,
];
export const authErrorEventSubject = (serverId: string) =>
  `$SYS.SERVER.${serverId}.CLIENT.AUTH.ERR`;
export const statszEventSubject = (serverId: string) => `$SYS.SERVER.${serverId}.STATSZ`;
export const shutdownEventSubject = (serverId: string) => `$SYS.SERVER.${serverId}.SHUTDOWN`;

/** The original statsz request: every server answers it with its `ServerStatsMsg`. */
export const SERVER_PING_SUBJECT = "$SYS.REQ.SERVER.PING";
/** `$SYS.REQ.SERVER.PING.<endpoint>`: every server answers. */
export const serverPingSubject = (endpoint: string) => `$SYS.REQ.SERVER.PING.${endpoint}`;
/** `$SYS.REQ.SERVER.<id>.<endpoint>`: only the server with that id answers. */
export const serverDirectSubject = (serverId: string, endpoint: string) =>
  `$SYS.REQ.SERVER.${serverId}.${endpoint}`;
/** `$SYS.REQ.ACCOUNT.<account>.<endpoint>`, subscribed with `*` for the account. */
export const accountRequestSubject = (account: string, endpoint: string) =>
  `$SYS.REQ.ACCOUNT.${account}.${endpoint}`;
/** Token index of the account in an account request subject. */
export const ACCOUNT_REQUEST_ACCOUNT_TOKEN = 3;
