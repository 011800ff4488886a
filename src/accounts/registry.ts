/**
 * Builds the server's accounts from their configuration and wires imports between them.
 * There is always a global account (`$G`, for users without one) and a system account.
 */
import { Account, GLOBAL_ACCOUNT } from "./account.ts";
import type { AccountsConfig } from "./config.ts";
import { ResponseRouter, ServiceImportBridge, StreamImportBridge } from "./imports.ts";
import { SubjectMapper } from "../subject/transform.ts";
import { subjectIsSubsetOf } from "../subject/subject.ts";

export class Accounts {
  readonly global: Account;
  readonly system: Account;
  #byName = new Map<string, Account>();

  constructor(config: AccountsConfig) {
    for (const c of config.accounts) {
      const acc = new Account(c.name);
      if (c.mappings.length > 0) acc.mapper = new SubjectMapper(c.mappings);
      this.#byName.set(c.name, acc);
    }
    if (!this.#byName.has(config.systemAccount)) {
      this.#byName.set(config.systemAccount, new Account(config.systemAccount));
    }
    this.global = this.#byName.get(GLOBAL_ACCOUNT)!;
    this.system = this.#byName.get(config.systemAccount)!;
    this.system.isSystem = true;
    // Like nats-server: without accounts that ask for JetStream, the global account has it.
    const explicit = config.accounts.some((c) => c.jetstream === true);
    for (const c of config.accounts) {
      const acc = this.#byName.get(c.name)!;
      acc.jetstream = c.jetstream ?? (!explicit && c.name === GLOBAL_ACCOUNT);
      acc.jetstreamLimits = c.jetstreamLimits;
    }
    this.system.jetstream = false;

    const routers = new Map<Account, ResponseRouter>();
    for (const c of config.accounts) {
      const importer = this.#byName.get(c.name)!;
      for (const imp of c.streamImports) {
        new StreamImportBridge(importer, imp).attach(this.#byName.get(imp.account)!, imp);
      }
      for (const imp of c.serviceImports) {
        const exporter = this.#byName.get(imp.account)!;
        let router = routers.get(exporter);
        if (router === undefined) routers.set(exporter, router = new ResponseRouter(exporter));
        const exp = config.accounts.find((a) => a.name === imp.account)!.serviceExports
          .find((e) => subjectIsSubsetOf(imp.subject, e.subject))!;
        new ServiceImportBridge(
          importer,
          exporter,
          router,
          imp,
          exp.responseType,
          exp.responseThresholdMs,
        ).attach(imp);
      }
    }
  }

  get(name: string): Account | undefined {
    return this.#byName.get(name);
  }

  all(): Account[] {
    return [...this.#byName.values()];
  }
}
