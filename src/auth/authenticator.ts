/**
 * Decides whether a client's CONNECT credentials let it in, and as whom: which user, which
 * account (by name; null is the global account) and which permissions. The connection asks
 * once per CONNECT and sends `-ERR 'Authorization Violation'` on null; a failure never says
 * which part was wrong.
 *
 * Order of checks (nats-server 2.9 `processClientOrLeafAuthentication`):
 * 1. nkey users configured and the CONNECT has `nkey`: that key must be configured and `sig`
 *    must be its signature of the INFO nonce;
 * 2. users configured: a CONNECT without user, pass and auth_token binds to `no_auth_user` (if
 *    set); otherwise `user` must be configured and `pass` must match (plain or bcrypt);
 * 3. a token configured: `auth_token` must match (plain or bcrypt);
 * 4. a single user configured: `user` and `pass` must match.
 * A user restricted by `allowed_connection_types` is refused on other connection types.
 *
 * One difference: nats-server 2.9 binds `no_auth_user` by replaying that user's stored password
 * as if the client had sent it, which fails when it is a bcrypt hash; here the binding does not
 * compare passwords at all.
 */

import type { Options } from "../config/options.ts";
import { verifyNonceSignature } from "./nkeys.ts";
import { PasswordVerifier } from "./passwords.ts";
import { Permissions, type PermissionsSpec } from "./permissions.ts";
import { type ConfiguredUser, readAuthConfig } from "./users.ts";

/** The CONNECT fields authentication reads (the connection's `ConnectOptions` has them). */
export interface AuthCredentials {
  readonly user: string;
  readonly pass: string;
  readonly authToken: string;
  readonly nkey: string;
  readonly sig: string;
}

export interface AuthResult {
  /** The user name, the nkey for nkey users, "" for token or no authentication. */
  readonly user: string;
  /** The account the user is defined in; null for the global account. */
  readonly account: string | null;
  /** null: everything allowed. Shared by every connection of the same user: do not mutate. */
  readonly permissions: Permissions | null;
}

export interface AuthSetup {
  readonly users?: readonly ConfiguredUser[];
  readonly nkeys?: readonly ConfiguredUser[];
  readonly noAuthUser?: string;
  /** Single-user and token authentication (`--user/--pass/--auth`, `authorization {}`). */
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
}

/** The connection type a client connected with; users may be limited to some. */
export type ConnectionType = "STANDARD" | "WEBSOCKET" | "LEAFNODE" | "MQTT";

const ANONYMOUS: AuthResult = Object.freeze({ user: "", account: null, permissions: null });

interface UserRecord {
  readonly config: ConfiguredUser;
  readonly result: AuthResult;
}

/** A password (or token) comparison still to be done before `result` holds. */
interface PendingCompare {
  readonly stored: string;
  readonly given: string;
  readonly result: AuthResult;
}

type Check = AuthResult | PendingCompare | null;

function isPending(c: Check): c is PendingCompare {
  return c !== null && "stored" in c;
}

function typeAllowed(user: ConfiguredUser, type: ConnectionType): boolean {
  const types = user.connectionTypes;
  return types === null || types.size === 0 || types.has(type);
}

export class Authenticator {
  #users = new Map<string, UserRecord>();
  #nkeys = new Map<string, UserRecord>();
  #noAuthUser: string;
  #username: string;
  #password: string;
  #token: string;
  #verifier: PasswordVerifier;

  constructor(setup: AuthSetup = {}, verifier: PasswordVerifier = new PasswordVerifier()) {
    this.#noAuthUser = setup.noAuthUser ?? "";
    this.#username = setup.username ?? "";
    this.#password = setup.password ?? "";
    this.#token = setup.token ?? "";
    this.#verifier = verifier;
    // One Permissions per block: users sharing default permissions share its caches too.
    const built = new Map<PermissionsSpec, Permissions>();
    const record = (u: ConfiguredUser): UserRecord => {
      let permissions: Permissions | null = null;
      if (u.permissions !== null) {
        permissions = built.get(u.permissions) ?? new Permissions(u.permissions);
        built.set(u.permissions, permissions);
      }
      const result = Object.freeze({ user: u.name, account: u.account, permissions });
      return { config: u, result };
    };
    for (const u of setup.users ?? []) this.#users.set(u.name, record(u));
    for (const u of setup.nkeys ?? []) this.#nkeys.set(u.name, record(u));
  }

  /**
   * From resolved options: users from `rawConfig`, single user and token from the options
   * (where flags override the config file). Throws `ConfigError` on a bad users section.
   */
  static fromOptions(
    options: Pick<Options, "rawConfig" | "username" | "password" | "authToken">,
  ): Authenticator {
    const file = readAuthConfig(options.rawConfig);
    return new Authenticator({
      ...file,
      username: options.username,
      password: options.password,
      token: options.authToken,
    });
  }

  /** Must clients authenticate? (Before CONNECT, any other op is then a violation.) */
  get required(): boolean {
    return this.#users.size > 0 || this.#nkeys.size > 0 || this.#token !== "" ||
      this.#username !== "";
  }

  /**
   * INFO `auth_required`. nats-server 2.9 leaves it out when `no_auth_user` is set, so that
   * clients without credentials connect (and are bound to that user).
   */
  get advertiseAuthRequired(): boolean {
    return this.required && this.#noAuthUser === "";
  }

  /** Send a `nonce` in INFO (and pass it to `authenticate`): nkey users are configured. */
  get needsNonce(): boolean {
    return this.#nkeys.size > 0;
  }

  get noAuthUser(): string {
    return this.#noAuthUser;
  }

  /** The password verifier (its bcrypt cache); for stats and tests. */
  get verifier(): PasswordVerifier {
    return this.#verifier;
  }

  /**
   * Checks a CONNECT. `nonce` is the one sent in this connection's INFO (null if none). Null
   * means refused. Synchronous: a bcrypt-stored secret not in the success cache blocks for the
   * bcrypt compare; `authenticateAsync` avoids that.
   */
  authenticate(
    connect: AuthCredentials,
    nonce: string | null,
    type: ConnectionType = "STANDARD",
  ): AuthResult | null {
    const check = this.#check(connect, nonce, type);
    if (!isPending(check)) return check;
    return this.#verifier.verify(check.stored, check.given) ? check.result : null;
  }

  /** `authenticate` with bcrypt run asynchronously (and shared by concurrent identical checks). */
  async authenticateAsync(
    connect: AuthCredentials,
    nonce: string | null,
    type: ConnectionType = "STANDARD",
  ): Promise<AuthResult | null> {
    const check = this.#check(connect, nonce, type);
    if (!isPending(check)) return check;
    return (await this.#verifier.verifyAsync(check.stored, check.given)) ? check.result : null;
  }

  #check(c: AuthCredentials, nonce: string | null, type: ConnectionType): Check {
    if (!this.required) return ANONYMOUS;

    if (this.#nkeys.size > 0 && c.nkey !== "") {
      const u = this.#nkeys.get(c.nkey);
      if (u === undefined || !typeAllowed(u.config, type)) return null;
      if (nonce === null || c.sig === "") return null;
      return verifyNonceSignature(c.nkey, nonce, c.sig) ? u.result : null;
    }

    if (this.#users.size > 0) {
      if (this.#noAuthUser !== "" && c.user === "" && c.pass === "" && c.authToken === "") {
        const u = this.#users.get(this.#noAuthUser);
        if (u !== undefined) return typeAllowed(u.config, type) ? u.result : null;
      }
      if (c.user !== "") {
        const u = this.#users.get(c.user);
        if (u === undefined || !typeAllowed(u.config, type)) return null;
        return { stored: u.config.password, given: c.pass, result: u.result };
      }
    }

    if (this.#token !== "") return { stored: this.#token, given: c.authToken, result: ANONYMOUS };
    if (this.#username !== "") {
      if (c.user !== this.#username) return null;
      return {
        stored: this.#password,
        given: c.pass,
        result: Object.freeze({ user: this.#username, account: null, permissions: null }),
      };
    }
    return null;
  }
}
