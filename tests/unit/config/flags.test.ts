/** Command-line flags (src/config/flags.ts): Go `flag` syntax over nats-server's flag set. */

import assert from "node:assert/strict";
import { FlagError, helpText, parseFlags } from "../../../src/config/flags.ts";

function flagError(argv: string[], message: string | RegExp): void {
  assert.throws(() => parseFlags(argv), (e: unknown) => {
    assert.ok(e instanceof FlagError, `expected FlagError, got ${e}`);
    assert.ok(e instanceof Error);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

Deno.test("flags: no arguments means run with no options", () => {
  assert.deepEqual(parseFlags([]), { options: {}, action: "run", warnings: [] });
});

Deno.test("flags: one dash, two dashes, separate value and =value are all the same", () => {
  for (const argv of [["-p", "4333"], ["--p", "4333"], ["-port=4333"], ["--port", "4333"]]) {
    assert.equal(parseFlags(argv).options.port, 4333, argv.join(" "));
  }
});

Deno.test("flags: every server option lands in its Options field", () => {
  const r = parseFlags([
    "-a",
    "127.0.0.1",
    "-p",
    "4333",
    "-n",
    "alpha",
    "-m",
    "8333",
    "-P",
    "/tmp/skiff.pid",
    "--ports_file_dir",
    "/tmp/ports",
    "--client_advertise",
    "nats://example.com:4222",
    "-l",
    "/tmp/skiff.log",
    "--user",
    "u",
    "--pass",
    "p",
    "--auth",
    "tok",
    "-sd",
    "/tmp/js",
    "--cluster",
    "nats://0.0.0.0:6222",
    "--cluster_name",
    "c1",
    "--routes",
    "nats://a:6222, nats://b:6222,",
  ]);
  assert.deepEqual(r.options, {
    host: "127.0.0.1",
    port: 4333,
    serverName: "alpha",
    httpPort: 8333,
    pidFile: "/tmp/skiff.pid",
    portsFileDir: "/tmp/ports",
    clientAdvertise: "nats://example.com:4222",
    logFile: "/tmp/skiff.log",
    username: "u",
    password: "p",
    authToken: "tok",
    storeDir: "/tmp/js",
    clusterUrl: "nats://0.0.0.0:6222",
    clusterName: "c1",
    routes: ["nats://a:6222", "nats://b:6222"],
  });
  assert.equal(r.action, "run");
});

Deno.test("flags: long aliases map to the same fields", () => {
  const r = parseFlags([
    "--addr=h1",
    "--name=n1",
    "--http_port=1",
    "--pid=f",
    "--log=l",
    "--store_dir=d",
    "--jetstream",
  ]);
  assert.deepEqual(r.options, {
    host: "h1",
    serverName: "n1",
    httpPort: 1,
    pidFile: "f",
    logFile: "l",
    storeDir: "d",
    jetstream: true,
  });
  assert.equal(parseFlags(["--net", "h2"]).options.host, "h2");
  assert.equal(parseFlags(["--server_name", "n2"]).options.serverName, "n2");
});

Deno.test("flags: -p -1 takes the negative number as the value", () => {
  assert.equal(parseFlags(["-p", "-1"]).options.port, -1);
  assert.equal(parseFlags(["-m", "-1"]).options.httpPort, -1);
  assert.equal(parseFlags(["-p=-1"]).options.port, -1);
});

Deno.test("flags: a value-taking flag consumes the next argument whatever it is", () => {
  assert.equal(parseFlags(["-n", "-D"]).options.serverName, "-D");
  assert.equal(parseFlags(["-n", "-D"]).options.debug, undefined);
});

Deno.test("flags: integers follow Go syntax (hex, octal, underscores, sign)", () => {
  assert.equal(parseFlags(["-p", "0x10"]).options.port, 16);
  assert.equal(parseFlags(["-p", "010"]).options.port, 8);
  assert.equal(parseFlags(["-p", "0o10"]).options.port, 8);
  assert.equal(parseFlags(["-p", "4_222"]).options.port, 4222);
  assert.equal(parseFlags(["-p", "+5"]).options.port, 5);
  assert.equal(parseFlags(["-p", "0"]).options.port, 0);
});

Deno.test("flags: a bad integer fails with Go's message", () => {
  flagError(["-p", "abc"], 'invalid value "abc" for flag -p: parse error');
  flagError(["--port=4x"], 'invalid value "4x" for flag -port: parse error');
  flagError(["-p", "08"], 'invalid value "08" for flag -p: parse error');
  flagError(["-p", "1__0"], 'invalid value "1__0" for flag -p: parse error');
  flagError(["-p", ""], 'invalid value "" for flag -p: parse error');
  flagError(
    ["-p", "99999999999999999999"],
    'invalid value "99999999999999999999" for flag -p: value out of range',
  );
  flagError(["-p", "70000"], /for flag -p: port must be -1\.\.65535/);
  flagError(["-m", "-2"], /for flag -m: port must be -1\.\.65535/);
});

Deno.test("flags: boolean flags take no separate value", () => {
  const r = parseFlags(["-D", "-V", "-js", "-T"]);
  assert.deepEqual(r.options, { debug: true, trace: true, jetstream: true, logtime: true });
  assert.deepEqual(parseFlags(["--debug", "--trace"]).options, { debug: true, trace: true });
});

Deno.test("flags: boolean flags accept =value in Go's spellings", () => {
  for (const v of ["false", "0", "f", "F", "FALSE", "False"]) {
    assert.equal(parseFlags([`-T=${v}`]).options.logtime, false, v);
  }
  for (const v of ["true", "1", "t", "T", "TRUE", "True"]) {
    assert.equal(parseFlags([`--logtime=${v}`]).options.logtime, true, v);
  }
  assert.equal(parseFlags(["-D=false"]).options.debug, false);
  flagError(["-T=nope"], 'invalid boolean value "nope" for -T: parse error');
  flagError(["-D="], 'invalid boolean value "" for -D: parse error');
});

Deno.test("flags: '-T false' stops at 'false', which is then a stray argument", () => {
  flagError(["-T", "false"], 'unrecognized command: "false"');
});

Deno.test("flags: -DV, -VV and -DVV turn on their combinations", () => {
  assert.deepEqual(parseFlags(["-DV"]).options, { debug: true, trace: true });
  assert.deepEqual(parseFlags(["-VV"]).options, { trace: true, traceVerbose: true });
  assert.deepEqual(parseFlags(["-DVV"]).options, {
    debug: true,
    trace: true,
    traceVerbose: true,
  });
  const off = parseFlags(["-DV=false"]);
  assert.deepEqual(off.options, {});
  assert.deepEqual(off.warnings, ["flag -DV=false has no effect"]);
});

Deno.test("flags: -c sets configFile (result and options)", () => {
  const r = parseFlags(["-c", "/etc/skiff.conf"]);
  assert.equal(r.configFile, "/etc/skiff.conf");
  assert.equal(r.options.configFile, "/etc/skiff.conf");
  assert.equal(parseFlags(["--config=x.conf"]).configFile, "x.conf");
});

Deno.test("flags: -t checks the config and needs -c", () => {
  assert.equal(parseFlags(["-t", "-c", "a.conf"]).action, "check-config");
  assert.equal(parseFlags(["-c", "a.conf", "-t"]).action, "check-config");
  flagError(["-t"], "must specify [-c, --config] option to check configuration file syntax");
});

Deno.test("flags: -v and -h pick their actions; version wins over help", () => {
  assert.equal(parseFlags(["-v"]).action, "version");
  assert.equal(parseFlags(["--version"]).action, "version");
  assert.equal(parseFlags(["-h"]).action, "help");
  assert.equal(parseFlags(["--help"]).action, "help");
  assert.equal(parseFlags(["-h", "-v"]).action, "version");
  assert.equal(parseFlags(["-t", "-h"]).action, "help");
});

Deno.test("flags: -sl takes a command and an optional =pid", () => {
  assert.deepEqual(parseFlags(["-sl", "stop"]), {
    options: {},
    action: "signal",
    signal: "stop",
    warnings: [],
  });
  const r = parseFlags(["--signal", "reload=/var/run/skiff.pid"]);
  assert.equal(r.action, "signal");
  assert.equal(r.signal, "reload");
  assert.equal(r.signalPid, "/var/run/skiff.pid");
  assert.equal(parseFlags(["-sl=ldm=123"]).signalPid, "123");
  for (const cmd of ["ldm", "stop", "quit", "term", "reopen", "reload"]) {
    assert.equal(parseFlags(["-sl", cmd]).signal, cmd);
  }
  flagError(["-sl", "bogus"], /invalid value "bogus" for flag -sl: unknown signal "bogus"/);
});

Deno.test("flags: unknown flags fail like Go's flag package", () => {
  flagError(["-foo"], "flag provided but not defined: -foo");
  flagError(["--foo=1"], "flag provided but not defined: -foo");
  flagError(["--max_payload", "1"], "flag provided but not defined: -max_payload");
});

Deno.test("flags: nats-server flags Skiff lacks are refused by name", () => {
  flagError(["--tls"], "flag -tls is a nats-server flag that Skiff does not support yet");
  flagError(["-ms", "8443"], /flag -ms is a nats-server flag/);
});

Deno.test("flags: a missing value and bad syntax fail", () => {
  flagError(["-p"], "flag needs an argument: -p");
  flagError(["-D", "--name"], "flag needs an argument: -name");
  flagError(["---p", "4"], "bad flag syntax: ---p");
  flagError(["-=x"], "bad flag syntax: -=x");
});

Deno.test("flags: parsing stops at the first non-flag or '--'; leftovers are an error", () => {
  flagError(["-D", "extra"], 'unrecognized command: "extra"');
  flagError(["--", "-p", "1"], 'unrecognized command: "-p"');
  flagError(["-"], 'unrecognized command: "-"');
  assert.deepEqual(parseFlags(["-D", "--"]).options, { debug: true });
});

Deno.test("flags: the last of a repeated flag wins", () => {
  assert.equal(parseFlags(["-p", "1", "--port", "2"]).options.port, 2);
});

Deno.test("flags: --routes needs --cluster unless a config file may supply it", () => {
  flagError(["--routes", "nats://a:6222"], /solicited routes require cluster capabilities/);
  assert.deepEqual(parseFlags(["--routes", "nats://a:6222", "-c", "x.conf"]).options.routes, [
    "nats://a:6222",
  ]);
});

Deno.test("helpText() lists every group and the main flags", () => {
  const text = helpText();
  for (
    const group of [
      "Server Options:",
      "Logging Options:",
      "Authorization Options:",
      "Cluster Options:",
      "JetStream Options:",
      "Common Options:",
    ]
  ) {
    assert.ok(text.includes(group), group);
  }
  for (
    const flag of [
      "-p, --port <port>",
      "-a, --addr, --net <host>",
      "-sl, --signal <signal>[=<pid>]",
      "-js, --jetstream",
      "-DVV",
      "--routes <rurl-1, rurl-2>",
      "-h, --help",
      "-v, --version",
    ]
  ) {
    assert.ok(text.includes(flag), flag);
  }
  assert.ok(text.startsWith("Usage: skiff [options]"));
  assert.ok(helpText("nats-skiff").startsWith("Usage: nats-skiff [options]"));
});
