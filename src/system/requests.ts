/**
 * Answers to `$SYS.REQ.SERVER.*` and `$SYS.REQ.ACCOUNT.<acc>.*`: each endpoint decodes its
 * options from the request body (nats-server's JSON option structs) into the options the
 * monitoring data functions take, and replies `{server, data}` like nats-server 2.9, or
 * `{server, error}`: 400 for a body that does not decode, 500 (with `data: null`) when the
 * data function refuses the options. Statsz replies `{server, statsz}`.
 */
import {
  accountz,
  connz,
  gatewayz,
  healthz,
  jsz,
  leafz,
  MonitorRequestError,
  routez,
  subsz,
  varz,
} from "../monitor/mod.ts";
import type { ConnState } from "../monitor/query.ts";
import type { MonitorSource } from "../monitor/source.ts";
import type { ServerApiResponse, ServerInfo } from "./messages.ts";
import {
  bool,
  decodeOptions,
  eventFilter,
  filterMatches,
  type FilterTarget,
  int,
  RequestDecodeError,
  type Schema,
  str,
} from "./request_options.ts";
import { statsz } from "./statsz.ts";

interface Endpoint {
  /** nats-server's option struct, for decoding error messages. */
  readonly goType: string;
  readonly schema: Schema;
  /** Builds the reply's `data`; `account` is set for `$SYS.REQ.ACCOUNT.<acc>.*`. */
  data(src: MonitorSource, o: Record<string, unknown>, account?: string): unknown;
}

const CONN_STATES: readonly ConnState[] = ["open", "closed", "any"];

const CONNZ: Endpoint = {
  goType: "ConnzEventOptions",
  schema: {
    sort: "string",
    auth: "bool",
    subscriptions: "bool",
    subscriptions_detail: "bool",
    offset: "int",
    limit: "int",
    cid: "uint",
    mqtt_client: "string",
    state: "int",
    user: "string",
    acc: "string",
  },
  data(src, o, account) {
    const state = CONN_STATES[int(o.state)];
    if (state === undefined) throw new MonitorRequestError(`invalid connection state: ${o.state}`);
    return connz(src, {
      sort: str(o.sort),
      auth: bool(o.auth),
      subs: bool(o.subscriptions),
      subsDetail: bool(o.subscriptions_detail),
      offset: int(o.offset),
      limit: int(o.limit),
      cid: int(o.cid),
      state,
      user: str(o.user),
      account: account ?? str(o.acc),
    });
  },
};

const SUBSZ: Endpoint = {
  goType: "SubszEventOptions",
  schema: {
    offset: "int",
    limit: "int",
    subscriptions: "bool",
    account: "string",
    test: "string",
  },
  data(src, o, account) {
    return subsz(src, {
      // An account's own request always lists its subscriptions, as in nats-server.
      subs: account !== undefined || bool(o.subscriptions),
      offset: int(o.offset),
      limit: int(o.limit),
      test: str(o.test),
      account: account ?? str(o.account),
    });
  },
};

const LEAFZ: Endpoint = {
  goType: "LeafzEventOptions",
  schema: { subscriptions: "bool", account: "string" },
  data: (src, o, account) =>
    leafz(src, { subs: bool(o.subscriptions), account: account ?? str(o.account) }),
};

/** Endpoints of `$SYS.REQ.SERVER.PING.<name>` and `$SYS.REQ.SERVER.<id>.<name>`, but STATSZ. */
export const SERVER_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  VARZ: { goType: "VarzEventOptions", schema: {}, data: (src) => varz(src) },
  CONNZ,
  SUBSZ,
  ROUTEZ: {
    goType: "RoutezEventOptions",
    schema: { subscriptions: "bool", subscriptions_detail: "bool" },
    data: (src, o) =>
      routez(src, { subs: bool(o.subscriptions), subsDetail: bool(o.subscriptions_detail) }),
  },
  GATEWAYZ: {
    goType: "GatewayzEventOptions",
    schema: { name: "string", accounts: "bool", account_name: "string" },
    data: (src, o) =>
      gatewayz(src, {
        name: str(o.name),
        accounts: bool(o.accounts) || str(o.account_name) !== "",
        accountName: str(o.account_name),
      }),
  },
  LEAFZ,
  ACCOUNTZ: {
    goType: "AccountzEventOptions",
    schema: { account: "string" },
    data: (src, o) => accountz(src, { account: str(o.account) }),
  },
  JSZ: {
    goType: "JszEventOptions",
    schema: {
      account: "string",
      accounts: "bool",
      streams: "bool",
      consumer: "bool",
      config: "bool",
      leader_only: "bool",
      offset: "int",
      limit: "int",
      raft: "bool",
    },
    data: (src, o) =>
      jsz(src, {
        account: str(o.account),
        accounts: bool(o.accounts),
        streams: bool(o.streams),
        consumers: bool(o.consumer),
        config: bool(o.config),
        leaderOnly: bool(o.leader_only),
        offset: int(o.offset),
        limit: int(o.limit),
        raft: bool(o.raft),
      }),
  },
  HEALTHZ: {
    goType: "HealthzEventOptions",
    schema: { "js-enabled": "bool", "js-enabled-only": "bool", "js-server-only": "bool" },
    data: (src, o) =>
      healthz(src, {
        jsEnabled: bool(o["js-enabled"]),
        jsEnabledOnly: bool(o["js-enabled-only"]),
        jsServerOnly: bool(o["js-server-only"]),
      }),
  },
};

/** Endpoints of `$SYS.REQ.ACCOUNT.<account>.<name>`. */
export const ACCOUNT_ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  CONNZ,
  SUBSZ,
  LEAFZ,
  INFO: {
    goType: "AccInfoEventOptions",
    schema: {},
    data: (src, _o, account) => accountz(src, { account }).account_detail,
  },
};

/** Builds the reply once the sender stamps its `ServerInfo`; null: not for this server. */
export type Reply = (server: ServerInfo) => unknown;

const STATSZ_SCHEMA: Schema = {};

/** `$SYS.REQ.SERVER.PING`, `.PING.STATSZ` and `.<id>.STATSZ`. */
export function statszRequest(
  src: MonitorSource,
  target: FilterTarget,
  body: Uint8Array,
): Reply | null {
  let fields: Record<string, unknown>;
  try {
    fields = decodeOptions(body, STATSZ_SCHEMA, "StatszEventOptions");
  } catch (err) {
    return (server) => ({ server, error: { code: 400, description: (err as Error).message } });
  }
  if (!filterMatches(eventFilter(fields), target)) return null;
  return (server) => ({ server, statsz: statsz(src) });
}

/** Any other endpoint; `account` for the account-scoped ones. */
export function endpointRequest(
  src: MonitorSource,
  target: FilterTarget,
  endpoint: Endpoint,
  body: Uint8Array,
  account?: string,
): Reply | null {
  let fields: Record<string, unknown>;
  try {
    fields = decodeOptions(body, endpoint.schema, endpoint.goType);
  } catch (err) {
    if (!(err instanceof RequestDecodeError)) throw err;
    return (server) => ({ server, error: { code: 400, description: err.message } });
  }
  if (!filterMatches(eventFilter(fields), target)) return null;
  return (server): ServerApiResponse => {
    try {
      return { server, data: endpoint.data(src, fields, account) };
    } catch (err) {
      if (!(err instanceof MonitorRequestError)) throw err;
      return { server, data: null, error: { code: 500, description: err.message } };
    }
  };
}
