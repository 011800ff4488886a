/**
 * Reads who may connect from the config tree: `authorization { users, default_permissions }`,
 * the `users` of each `accounts { NAME { users, default_permissions } }` (such users belong to
 * that account; only its name is recorded here) and `no_auth_user`. The single user/password and
 * token of `authorization {}` arrive through `Options` (flags may override them); here they are
 * only checked against each other and the users list.
 *
 * Verdicts and texts follow nats-server 2.9.10 (`-t` and startup), probed against the binary:
 * user entries need a user or an nkey, nkeys must be valid user keys and take no user/password,
 * user names and nkeys are unique across the whole file, a user may have no password, and
 * `default_permissions` (alias `permissions`) apply to the users of the same block that have
 * none of their own (authorization defaults do not reach account users). `no_auth_user` must
 * name a user (not an nkey) of either kind of block; nats-server checks that at startup, not in
 * `-t`, and reports no position: here it is a ConfigError at the `no_auth_user` key.
 */

import type { ConfEntry, ConfMap, ConfNode } from "../config/conf_types.ts";
import { unknownField, wantString } from "../config/conf_values.ts";
import { entryOf, fail, readPermissions, shown } from "./conf_permissions.ts";
import { isValidPublicUserKey } from "./nkeys.ts";
import type { PermissionsSpec } from "./permissions.ts";

/** Connection types a user may be limited to (`allowed_connection_types`). */
export const CONNECTION_TYPES: ReadonlySet<string> = new Set([
  "STANDARD",
  "WEBSOCKET",
  "LEAFNODE",
  "LEAFNODE_WS",
  "MQTT",
  "MQTT_WS",
]);

/** nats-server's reserved global account name. */
const GLOBAL_ACCOUNT = "$G";

export interface ConfiguredUser {
  /** The user name, or the public NKey for an nkey user. */
  readonly name: string;
  /** Plain or bcrypt; "" for nkey users (and for users configured without one). */
  readonly password: string;
  readonly isNkey: boolean;
  /** The account block the user was defined in; null for `authorization` users (global). */
  readonly account: string | null;
  readonly permissions: PermissionsSpec | null;
  /** Upper-case connection types; null means any. */
  readonly connectionTypes: ReadonlySet<string> | null;
}

export interface AuthFileConfig {
  /** User/password users, in file order. */
  readonly users: readonly ConfiguredUser[];
  readonly nkeys: readonly ConfiguredUser[];
  /** `no_auth_user`, "" if unset. */
  readonly noAuthUser: string;
}

const EMPTY: AuthFileConfig = { users: [], nkeys: [], noAuthUser: "" };

interface Ctx {
  users: ConfiguredUser[];
  nkeys: ConfiguredUser[];
  /** User names and nkeys seen so far (one namespace, as nats-server's `uorn`). */
  seen: Set<string>;
}

/** Reads the users of a whole config tree; throws `ConfigError` on the first problem. */
export function readAuthConfig(root: ConfMap | null): AuthFileConfig {
  if (root === null) return EMPTY;
  const ctx: Ctx = { users: [], nkeys: [], seen: new Set() };
  let noAuthEntry: ConfEntry | null = null;
  // File order, so a duplicate is reported where it is written the second time.
  for (const e of root.values()) {
    switch (e.key.toLowerCase()) {
      case "authorization":
        readAuthorization(e, ctx);
        break;
      case "accounts":
        readAccounts(e, ctx);
        break;
      case "no_auth_user":
        noAuthEntry = e;
        break;
    }
  }
  let noAuthUser = "";
  if (noAuthEntry !== null) {
    noAuthUser = wantString(noAuthEntry);
    if (noAuthUser !== "") checkNoAuthUser(noAuthEntry, noAuthUser, ctx.users);
  }
  return { users: ctx.users, nkeys: ctx.nkeys, noAuthUser };
}

function checkNoAuthUser(entry: ConfEntry, name: string, users: readonly ConfiguredUser[]): void {
  const q = JSON.stringify(name);
  if (users.length === 0) fail(entry, `no_auth_user: ${q} present, but users are not defined`);
  if (!users.some((u) => u.name === name)) {
    fail(
      entry,
      `no_auth_user: ${q} not present as user in authorization block or account configuration`,
    );
  }
}

function readAuthorization(entry: ConfEntry, ctx: Ctx): void {
  const n = entry.node;
  if (n.kind !== "map") return; // the options loader reports the type
  let user = "";
  let pass = "";
  let token = "";
  let usersEntry: ConfEntry | null = null;
  let defaults: PermissionsSpec | null = null;
  for (const e of n.value.values()) {
    switch (e.key.toLowerCase()) {
      case "user":
      case "username":
        user = wantString(e);
        break;
      case "pass":
      case "password":
        pass = wantString(e);
        break;
      case "token":
        token = wantString(e);
        break;
      case "users":
        usersEntry = e;
        break;
      case "default_permission":
      case "default_permissions":
      case "permissions":
        defaults = readPermissions(e);
        break;
      case "timeout":
        break; // read by the options loader
      default:
        if (!e.referenced) unknownField(e);
    }
  }
  if ((user !== "" || pass !== "") && token !== "") {
    fail(entry, "Cannot have a user/pass and token", entry.key);
  }
  if (usersEntry === null) return;
  if (user !== "") {
    fail(entry, "Can not have a single user/pass and a users array", entry.key);
  }
  if (token !== "") fail(entry, "Can not have a token and a users array", entry.key);
  readUsers(usersEntry, null, defaults, ctx);
}

function readAccounts(entry: ConfEntry, ctx: Ctx): void {
  // `accounts: [A, B]` declares accounts without users; other shapes are the accounts loader's.
  if (entry.node.kind !== "map") return;
  for (const acc of entry.node.value.values()) {
    if (acc.referenced) continue; // a variable defined inside the block
    if (acc.node.kind !== "map") fail(acc, "Expected map entries for accounts", acc.key);
    if (acc.key === GLOBAL_ACCOUNT) fail(acc, `"${GLOBAL_ACCOUNT}" is a Reserved Account`, acc.key);
    let usersEntry: ConfEntry | null = null;
    let defaults: PermissionsSpec | null = null;
    for (const e of acc.node.value.values()) {
      const key = e.key.toLowerCase();
      if (key === "users") usersEntry = e;
      else if (key === "default_permissions") defaults = readPermissions(e);
      // nkey, imports, exports, mappings, jetstream, limits: the accounts loader's.
    }
    if (usersEntry !== null) readUsers(usersEntry, acc.key, defaults, ctx);
  }
}

function readUsers(
  entry: ConfEntry,
  account: string | null,
  defaults: PermissionsSpec | null,
  ctx: Ctx,
): void {
  const n = entry.node;
  if (n.kind !== "array") {
    fail(n, `Expected users field to be an array, got ${shown(n)}`, entry.key);
  }
  for (const item of n.value) {
    const user = readUser(item, account, defaults);
    const q = JSON.stringify(user.name);
    if (ctx.seen.has(user.name)) {
      fail(item, `Duplicate ${user.isNkey ? "nkey" : "user"} ${q} detected`, entry.key);
    }
    ctx.seen.add(user.name);
    (user.isNkey ? ctx.nkeys : ctx.users).push(user);
  }
}

function readUser(
  node: ConfNode,
  account: string | null,
  defaults: PermissionsSpec | null,
): ConfiguredUser {
  if (node.kind !== "map") {
    fail(node, `Expected user entry to be a map/struct, got ${shown(node)}`, "users");
  }
  let nkey: ConfEntry | null = null;
  let name = "";
  let password = "";
  let permissions: PermissionsSpec | null = null;
  let connectionTypes: ReadonlySet<string> | null = null;
  for (const e of node.value.values()) {
    switch (e.key.toLowerCase()) {
      case "nkey":
        nkey = e;
        wantString(e);
        break;
      case "user":
      case "username":
        name = wantString(e);
        break;
      case "pass":
      case "password":
        password = wantString(e);
        break;
      case "permission":
      case "permissions":
      case "authorization":
        permissions = readPermissions(e);
        break;
      case "allowed_connection_types":
      case "connection_types":
      case "clients":
        connectionTypes = readConnectionTypes(e);
        break;
      default:
        if (!e.referenced) unknownField(e);
    }
  }
  const nkeyText = nkey === null ? "" : wantString(nkey);
  if (nkeyText === "" && name === "") fail(node, "User entry requires a user", "users");
  if (nkeyText !== "") {
    if (!isValidPublicUserKey(nkeyText)) {
      fail(nkey!, "Not a valid public nkey for a user", "nkey");
    }
    if (name !== "" || password !== "") {
      fail(node, "Nkey users do not take usernames or passwords", "users");
    }
  }
  return {
    name: nkeyText !== "" ? nkeyText : name,
    password,
    isNkey: nkeyText !== "",
    account,
    permissions: permissions ?? defaults,
    connectionTypes,
  };
}

function readConnectionTypes(entry: ConfEntry): ReadonlySet<string> {
  const n = entry.node;
  const nodes = n.kind === "array" ? n.value : [n];
  const types = new Set<string>();
  for (const item of nodes) {
    const text = wantString(entryOf(item, entry.key));
    const upper = text.toUpperCase();
    if (!CONNECTION_TYPES.has(upper)) {
      fail(item, `unknown connection type ${JSON.stringify(text)}`, entry.key);
    }
    types.add(upper);
  }
  return types;
}
