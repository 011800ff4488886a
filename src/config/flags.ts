/**
 * Command-line flags, with the names and meaning of nats-server's and the parsing rules of Go's
 * `flag` package (which nats-server uses): `-name` and `--name` are the same flag, a value is
 * `-name value` or `-name=value` (the next argument is taken whatever it looks like, so `-p -1`
 * works), boolean flags take no separate value (`-D`, `-T=false`), and parsing stops at the first
 * argument that is not a flag. One table drives both parsing and `helpText()`.
 */

import { FlagError } from "./errors.ts";
import type { Options } from "./options.ts";

export { FlagError };

export type FlagAction = "run" | "help" | "version" | "check-config" | "signal";

export interface FlagResult {
  /** Only the options the command line set. */
  options: Partial<Options>;
  /** `-c/--config`; also copied into `options.configFile`. */
  configFile?: string;
  action: FlagAction;
  /** With action "signal": `ldm`, `stop`, `quit`, `term`, `reopen` or `reload`. */
  signal?: string;
  /** With action "signal": the `=<pid>` part, a PID or a PID file path, when given. */
  signalPid?: string;
  warnings: string[];
}

export const SIGNAL_COMMANDS = ["ldm", "stop", "quit", "term", "reopen", "reload"] as const;

type Group =
  | "Server Options"
  | "Logging Options"
  | "Authorization Options"
  | "Cluster Options"
  | "JetStream Options"
  | "Common Options";

interface Draft {
  result: FlagResult;
  check: boolean;
  help: boolean;
  version: boolean;
}

interface FlagSpec {
  /** Every spelling; either dash count works for each (see `isShortName` for help text). */
  names: readonly string[];
  kind: "bool" | "string" | "int" | "port";
  group: Group;
  /** Placeholder for the value in the help text. */
  arg?: string;
  help: string;
  set(draft: Draft, value: string | number | boolean, name: string): void;
}

function opt<K extends keyof Options>(key: K) {
  return (d: Draft, v: string | number | boolean) => {
    d.result.options[key] = v as Options[K];
  };
}

/** `-DV`, `-VV`, `-DVV` only ever turn things on, as in nats-server. */
function combo(keys: ("debug" | "trace" | "traceVerbose")[]) {
  return (d: Draft, v: string | number | boolean, name: string) => {
    if (v !== true) {
      d.result.warnings.push(`flag -${name}=false has no effect`);
      return;
    }
    for (const k of keys) d.result.options[k] = true;
  };
}

const FLAGS: readonly FlagSpec[] = [
  // Server
  {
    names: ["a", "addr", "net"],
    kind: "string",
    group: "Server Options",
    arg: "<host>",
    help: "Bind to host address (default: 0.0.0.0)",
    set: opt("host"),
  },
  {
    names: ["p", "port"],
    kind: "port",
    group: "Server Options",
    arg: "<port>",
    help: "Use port for clients (default: 4222, -1 for a random port)",
    set: opt("port"),
  },
  {
    names: ["n", "name", "server_name"],
    kind: "string",
    group: "Server Options",
    arg: "<name>",
    help: "Server name (default: auto)",
    set: opt("serverName"),
  },
  {
    names: ["P", "pid"],
    kind: "string",
    group: "Server Options",
    arg: "<file>",
    help: "File to store PID",
    set: opt("pidFile"),
  },
  {
    names: ["m", "http_port"],
    kind: "port",
    group: "Server Options",
    arg: "<port>",
    help: "Use port for http monitoring",
    set: opt("httpPort"),
  },
  {
    names: ["c", "config"],
    kind: "string",
    group: "Server Options",
    arg: "<file>",
    help: "Configuration file",
    set: (d, v) => {
      d.result.configFile = v as string;
      d.result.options.configFile = v as string;
    },
  },
  {
    names: ["t"],
    kind: "bool",
    group: "Server Options",
    help: "Test configuration and exit",
    set: (d, v) => {
      d.check = v as boolean;
    },
  },
  {
    names: ["sl", "signal"],
    kind: "string",
    group: "Server Options",
    arg: "<signal>[=<pid>]",
    help: "Signal a running server: ldm, stop, quit, term, reopen or reload;\n" +
      "<pid> is a PID or the path to a PID file",
    set: (d, v, name) => {
      const text = v as string;
      const eq = text.indexOf("=");
      const command = eq < 0 ? text : text.slice(0, eq);
      if (!(SIGNAL_COMMANDS as readonly string[]).includes(command)) {
        throw new FlagError(
          `invalid value ${JSON.stringify(text)} for flag -${name}: unknown signal ` +
            `${JSON.stringify(command)} (want one of ${SIGNAL_COMMANDS.join(", ")})`,
        );
      }
      d.result.signal = command;
      if (eq >= 0) d.result.signalPid = text.slice(eq + 1);
      else delete d.result.signalPid;
    },
  },
  {
    names: ["client_advertise"],
    kind: "string",
    group: "Server Options",
    arg: "<string>",
    help: "Client URL to advertise to other servers",
    set: opt("clientAdvertise"),
  },
  {
    names: ["ports_file_dir"],
    kind: "string",
    group: "Server Options",
    arg: "<dir>",
    help: "Write a ports file (<executable>_<pid>.ports) in this directory",
    set: opt("portsFileDir"),
  },
  // Logging
  {
    names: ["l", "log"],
    kind: "string",
    group: "Logging Options",
    arg: "<file>",
    help: "File to redirect log output",
    set: opt("logFile"),
  },
  {
    names: ["T", "logtime"],
    kind: "bool",
    group: "Logging Options",
    help: "Timestamp log entries (default: true; -T=false to disable)",
    set: opt("logtime"),
  },
  {
    names: ["D", "debug"],
    kind: "bool",
    group: "Logging Options",
    help: "Enable debugging output",
    set: opt("debug"),
  },
  {
    names: ["V", "trace"],
    kind: "bool",
    group: "Logging Options",
    help: "Trace the raw protocol",
    set: opt("trace"),
  },
  {
    names: ["VV"],
    kind: "bool",
    group: "Logging Options",
    help: "Verbose trace (traces system account as well)",
    set: combo(["trace", "traceVerbose"]),
  },
  {
    names: ["DV"],
    kind: "bool",
    group: "Logging Options",
    help: "Debug and trace",
    set: combo(["debug", "trace"]),
  },
  {
    names: ["DVV"],
    kind: "bool",
    group: "Logging Options",
    help: "Debug and verbose trace (traces system account as well)",
    set: combo(["debug", "trace", "traceVerbose"]),
  },
  // JetStream
  {
    names: ["js", "jetstream"],
    kind: "bool",
    group: "JetStream Options",
    help: "Enable JetStream functionality",
    set: opt("jetstream"),
  },
  {
    names: ["sd", "store_dir"],
    kind: "string",
    group: "JetStream Options",
    arg: "<dir>",
    help: "Set the storage directory",
    set: opt("storeDir"),
  },
  // Authorization
  {
    names: ["user"],
    kind: "string",
    group: "Authorization Options",
    arg: "<user>",
    help: "User required for connections",
    set: opt("username"),
  },
  {
    names: ["pass"],
    kind: "string",
    group: "Authorization Options",
    arg: "<password>",
    help: "Password required for connections",
    set: opt("password"),
  },
  {
    names: ["auth"],
    kind: "string",
    group: "Authorization Options",
    arg: "<token>",
    help: "Authorization token required for connections",
    set: opt("authToken"),
  },
  // Cluster
  {
    names: ["routes"],
    kind: "string",
    group: "Cluster Options",
    arg: "<rurl-1, rurl-2>",
    help: "Routes to solicit and connect",
    set: (d, v) => {
      d.result.options.routes = (v as string).split(",").map((s) => s.trim()).filter((s) => s);
    },
  },
  {
    names: ["cluster"],
    kind: "string",
    group: "Cluster Options",
    arg: "<cluster-url>",
    help: "Cluster URL for solicited routes",
    set: opt("clusterUrl"),
  },
  {
    names: ["cluster_name"],
    kind: "string",
    group: "Cluster Options",
    arg: "<string>",
    help: "Cluster name, if not set one will be dynamically generated",
    set: opt("clusterName"),
  },
  // Common
  {
    names: ["h", "help"],
    kind: "bool",
    group: "Common Options",
    help: "Show this message",
    set: (d, v) => {
      d.help = v as boolean;
    },
  },
  {
    names: ["v", "version"],
    kind: "bool",
    group: "Common Options",
    help: "Show version",
    set: (d, v) => {
      d.version = v as boolean;
    },
  },
];

/** nats-server flags Skiff knows about but does not implement: refused with a clear message. */
const UNSUPPORTED = new Set([
  "ms",
  "https_port",
  "s",
  "syslog",
  "r",
  "remote_syslog",
  "log_size_limit",
  "max_traced_msg_len",
  "tls",
  "tlscert",
  "tlskey",
  "tlsverify",
  "tlscacert",
  "no_advertise",
  "cluster_advertise",
  "connect_retries",
  "cluster_listen",
  "profile",
  "help_tls",
]);

const BY_NAME = new Map<string, FlagSpec>();
for (const spec of FLAGS) for (const name of spec.names) BY_NAME.set(name, spec);

const GO_INT =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go's `strconv.ParseInt(s, 0, 64)`: decimal, 0x, 0o, 0b, leading-0 octal, `_` separators. */
function parseGoInt(text: string, name: string): number {
  if (!GO_INT.test(text)) {
    throw new FlagError(`invalid value ${JSON.stringify(text)} for flag -${name}: parse error`);
  }
  const negative = text.startsWith("-");
  let body = text.replace(/^[+-]/, "").replaceAll("_", "");
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  const value = negative ? -BigInt(body) : BigInt(body);
  if (value > INT64_MAX || value < INT64_MIN) {
    throw new FlagError(
      `invalid value ${JSON.stringify(text)} for flag -${name}: value out of range`,
    );
  }
  return Number(value);
}

/** Go's `strconv.ParseBool`. */
function parseGoBool(text: string, name: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
  throw new FlagError(`invalid boolean value ${JSON.stringify(text)} for -${name}: parse error`);
}

function convert(spec: FlagSpec, name: string, text: string): string | number | boolean {
  switch (spec.kind) {
    case "bool":
      return parseGoBool(text, name);
    case "string":
      return text;
    case "int":
      return parseGoInt(text, name);
    case "port": {
      const port = parseGoInt(text, name);
      if (port < -1 || port > 65535) {
        throw new FlagError(
          `invalid value ${JSON.stringify(text)} for flag -${name}: port must be -1..65535`,
        );
      }
      return port;
    }
  }
}

/**
 * Parses `argv` (without the program name). Throws `FlagError` for an unknown flag, a missing
 * or malformed value, a stray argument, `-t` without `-c`, or `--routes` with neither
 * `--cluster` nor a config file.
 */
export function parseFlags(argv: readonly string[]): FlagResult {
  const draft: Draft = {
    result: { options: {}, action: "run", warnings: [] },
    check: false,
    help: false,
    version: false,
  };
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg.length < 2 || arg[0] !== "-") break;
    i++;
    if (arg === "--") break;
    const dashes = arg[1] === "-" ? 2 : 1;
    let name = arg.slice(dashes);
    if (name === "" || name[0] === "-" || name[0] === "=") {
      throw new FlagError(`bad flag syntax: ${arg}`);
    }
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = BY_NAME.get(name);
    if (!spec) {
      if (UNSUPPORTED.has(name)) {
        throw new FlagError(`flag -${name} is a nats-server flag that Skiff does not support yet`);
      }
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
    if (spec.kind === "bool") {
      spec.set(draft, value === undefined ? true : parseGoBool(value, name), name);
      continue;
    }
    if (value === undefined) {
      if (i >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      value = argv[i++];
    }
    spec.set(draft, convert(spec, name, value), name);
  }
  if (i < argv.length) throw new FlagError(`unrecognized command: ${JSON.stringify(argv[i])}`);
  return finish(draft);
}

function finish(draft: Draft): FlagResult {
  const result = draft.result;
  if (draft.version) {
    result.action = "version";
  } else if (draft.help) {
    result.action = "help";
  } else if (result.signal !== undefined) {
    result.action = "signal";
  } else if (draft.check) {
    if (result.configFile === undefined) {
      throw new FlagError("must specify [-c, --config] option to check configuration file syntax");
    }
    result.action = "check-config";
  }
  if (
    result.action === "run" && result.options.routes?.length &&
    !result.options.clusterUrl && result.configFile === undefined
  ) {
    throw new FlagError("solicited routes require cluster capabilities, e.g. --cluster");
  }
  return result;
}

/** `-p`, `-js`, `-DVV` print with one dash; words such as `--net` with two. */
function isShortName(name: string): boolean {
  return name.length <= 2 || name !== name.toLowerCase();
}

function flagNames(spec: FlagSpec): string {
  const names = spec.names.map((n) => (isShortName(n) ? `-${n}` : `--${n}`)).join(", ");
  return spec.arg ? `${names} ${spec.arg}` : names;
}

/** Usage text grouped like `nats-server -h`. */
export function helpText(program = "skiff"): string {
  const lines = [`Usage: ${program} [options]`, ""];
  const groups: Group[] = [
    "Server Options",
    "Logging Options",
    "Authorization Options",
    "Cluster Options",
    "JetStream Options",
    "Common Options",
  ];
  const width = Math.max(...FLAGS.map((s) => flagNames(s).length)) + 2;
  for (const group of groups) {
    lines.push(`${group}:`);
    for (const spec of FLAGS.filter((s) => s.group === group)) {
      const [first, ...more] = spec.help.split("\n");
      lines.push(`    ${flagNames(spec).padEnd(width)}${first}`);
      for (const line of more) lines.push(`    ${"".padEnd(width)}${line}`);
    }
    lines.push("");
  }
  lines.push(
    "Flags take one or two dashes; values go as '-p 4222' or '-p=4222'.",
    "Boolean flags take no value; use '-T=false' to turn one off.",
    "",
  );
  return lines.join("\n");
}
