/** A `SystemHost` for the system service's tests: the monitor fake plus real accounts. */
import { Account } from "../../../src/accounts/account.ts";
import { type InboundMsg, InternalClient } from "../../../src/conn/internal.ts";
import { deliverToMatches } from "../../../src/pubsub/deliver.ts";
import { msgArgsOf } from "../../../src/pubsub/msg_args.ts";
import { Logger } from "../../../src/server/logger.ts";
import type { SystemHost } from "../../../src/system/mod.ts";
import { FakeSource } from "../monitor/_fake_source.ts";

/**
 * Delegates the monitoring side to a `FakeSource` (`src`, whose `accounts` are the monitor's
 * account views) and adds what the system service needs.
 */
export class FakeHost implements SystemHost {
  jetstreamUsage(): null {
    return null;
  }
  readonly src = new FakeSource();
  accounts = { system: sysAccount() };
  jetstreamEnabled = false;
  logLines: string[] = [];
  logger = new Logger({
    pid: 1,
    debug: false,
    trace: false,
    logtime: false,
    write: (line) => this.logLines.push(line),
  });
  #cid = 100;

  nextClientId(): number {
    return this.#cid++;
  }
  get id() {
    return this.src.id;
  }
  get name() {
    return this.src.name;
  }
  get options() {
    return this.src.options;
  }
  get authRequired() {
    return this.src.authRequired;
  }
  get stats() {
    return this.src.stats;
  }
  get totalConnections() {
    return this.src.totalConnections;
  }
  get startedAt() {
    return this.src.startedAt;
  }
  get configLoadedAt() {
    return this.src.configLoadedAt;
  }
  get boundPorts() {
    return this.src.boundPorts;
  }
  get runtime() {
    return this.src.runtime;
  }
  get systemAccount() {
    return this.src.systemAccount;
  }
  get httpReqStats() {
    return this.src.httpReqStats;
  }
  numConnections() {
    return this.src.numConnections();
  }
  monitorConnections() {
    return this.src.monitorConnections();
  }
  closedConnections() {
    return this.src.closedConnections();
  }
  monitorAccounts() {
    return this.src.monitorAccounts();
  }
  processUsage() {
    return this.src.processUsage();
  }
  noteHttpRequest(path: string) {
    this.src.noteHttpRequest(path);
  }
}

export function sysAccount(name = "$SYS"): Account {
  const a = new Account(name);
  a.isSystem = true;
  return a;
}

/** A subscriber in `account` that records what it receives, decoded. */
// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

export function listen(
  account: Account,
  subject: string,
): InboundMsg[] & { json(i: number): Json } {
  const got = [] as unknown as InboundMsg[] & { json(i: number): Json };
  got.json = (i) => JSON.parse(new TextDecoder().decode(got[i].data));
  new InternalClient(1, "listener", account).subscribe(subject, (m) => got.push(m));
  return got;
}

/** Publishes a request into `account` the way a client's PUB would reach the system client. */
export function request(account: Account, subject: string, reply: string, body = ""): void {
  const args = msgArgsOf(subject, reply, null, new TextEncoder().encode(body));
  deliverToMatches(account.sublist.match(subject), args, null);
}

/** Lets queued microtasks (the service's work queue) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
