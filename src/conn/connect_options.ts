/** The CONNECT fields a client may send (nats-server's `ClientOpts`), with their defaults. */

export interface ConnectOptions {
  verbose: boolean;
  pedantic: boolean;
  echo: boolean;
  headers: boolean;
  noResponders: boolean;
  protocol: number;
  tlsRequired: boolean;
  name: string;
  lang: string;
  version: string;
  user: string;
  pass: string;
  authToken: string;
  nkey: string;
  sig: string;
  jwt: string;
}

/**
 * The options in force before CONNECT, and the base CONNECT is applied on top of: like
 * nats-server's, verbose and pedantic are on until a client turns them off.
 */
export function defaultConnectOptions(): ConnectOptions {
  return {
    verbose: true,
    pedantic: true,
    echo: true,
    headers: false,
    noResponders: false,
    protocol: 0,
    tlsRequired: false,
    name: "",
    lang: "",
    version: "",
    user: "",
    pass: "",
    authToken: "",
    nkey: "",
    sig: "",
    jwt: "",
  };
}

/**
 * Applies CONNECT JSON on top of `base` (a field the client omits keeps its value, as Go's
 * json.Unmarshal into the existing options does). Throws `SyntaxError` on malformed JSON or a
 * field of the wrong type, which nats-server also rejects.
 */
export function parseConnectOptions(json: string, base: ConnectOptions): ConnectOptions {
  const raw = JSON.parse(json);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new SyntaxError("CONNECT arguments must be a JSON object");
  }
  const opts = { ...base };
  const bool = (key: string, set: (v: boolean) => void) => {
    const v = raw[key];
    if (v === undefined || v === null) return;
    if (typeof v !== "boolean") throw new SyntaxError(`CONNECT field ${key} must be a boolean`);
    set(v);
  };
  const str = (key: string, set: (v: string) => void) => {
    const v = raw[key];
    if (v === undefined || v === null) return;
    if (typeof v !== "string") throw new SyntaxError(`CONNECT field ${key} must be a string`);
    set(v);
  };
  bool("verbose", (v) => opts.verbose = v);
  bool("pedantic", (v) => opts.pedantic = v);
  bool("echo", (v) => opts.echo = v);
  bool("headers", (v) => opts.headers = v);
  bool("no_responders", (v) => opts.noResponders = v);
  bool("tls_required", (v) => opts.tlsRequired = v);
  str("name", (v) => opts.name = v);
  str("lang", (v) => opts.lang = v);
  str("version", (v) => opts.version = v);
  str("user", (v) => opts.user = v);
  str("pass", (v) => opts.pass = v);
  str("auth_token", (v) => opts.authToken = v);
  str("nkey", (v) => opts.nkey = v);
  str("sig", (v) => opts.sig = v);
  str("jwt", (v) => opts.jwt = v);
  const protocol = raw.protocol;
  if (protocol !== undefined && protocol !== null) {
    if (typeof protocol !== "number" || !Number.isInteger(protocol)) {
      throw new SyntaxError("CONNECT field protocol must be an integer");
    }
    opts.protocol = protocol;
  }
  return opts;
}
