/**
 * Who may connect on the leaf port, and to which account the link binds (nats-server's
 * isLeafNodeAuthorized): the `leafnodes { authorization }` single user or users list when one
 * is configured; otherwise the server's client users (limited by `allowed_connection_types`),
 * when client authentication is on; otherwise anyone, bound to `authorization.account` or the
 * global account. Passwords may be bcrypt hashes.
 */
import type { Authenticator } from "../auth/mod.ts";
import { PasswordVerifier } from "../auth/mod.ts";
import type { LeafAuthConfig, LeafUser } from "./leaf_config.ts";
import type { LeafConnectInfo } from "./leaf_protocol.ts";

/** The account a leaf is bound to: a name, or null for the global account. */
export type LeafBinding = { readonly account: string | null };

export class LeafAuthenticator {
  #config: LeafAuthConfig;
  #users = new Map<string, LeafUser>();
  #clientAuth: () => Authenticator | null;
  #verifier = new PasswordVerifier();

  /** `clientAuth`: the client authenticator, consulted when leafnodes has no users of its own. */
  constructor(config: LeafAuthConfig, clientAuth: () => Authenticator | null) {
    this.#config = config;
    this.#clientAuth = clientAuth;
    for (const u of config.users) this.#users.set(u.user, u);
  }

  /** Checks a leaf's CONNECT; null means refused. `nonce` is the one our INFO carried. */
  authenticate(info: LeafConnectInfo, nonce: string): LeafBinding | null {
    const c = this.#config;
    const user = typeof info.user === "string" ? info.user : "";
    const pass = typeof info.pass === "string" ? info.pass : "";
    if (c.user !== "") {
      if (user !== c.user || !this.#verifier.verify(c.password, pass)) return null;
      return { account: c.account };
    }
    if (this.#users.size > 0) {
      const u = this.#users.get(user);
      if (u === undefined || !this.#verifier.verify(u.password, pass)) return null;
      return { account: u.account };
    }
    const clientAuth = this.#clientAuth();
    if (clientAuth !== null && clientAuth.required) {
      const result = clientAuth.authenticate(
        { user, pass, authToken: "", nkey: "", sig: "" },
        nonce,
        "LEAFNODE",
      );
      if (result === null) return null;
      return { account: result.account ?? c.account };
    }
    return { account: c.account };
  }
}
