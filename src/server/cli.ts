/**
 * The command line: flags and config file to options, the one-shot actions (help, version,
 * config check, `--signal`), and running the server until a signal stops it. Returns the exit
 * code.
 */
import type { Platform, SignalName } from "../platform/types.ts";
import { type FlagResult, helpText, parseFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load.ts";
import { ConfigError, FlagError } from "../config/errors.ts";
import {
  COMPAT_NATS_VERSION,
  type Options,
  resolveOptions,
  SKIFF_VERSION,
} from "../config/options.ts";
import { readAccountsConfig } from "../accounts/config.ts";
import { readLeafNodeConfig } from "../cluster/mod.ts";
import { Server } from "./server.ts";
import { Logger } from "./logger.ts";
import { FileLogSink, type LogSink, stderrSink } from "./log_sink.ts";
import { writeRuntimeFiles } from "./runtime_files.ts";
import { reloadConfig } from "./reload.ts";
import { runLameDuckMode } from "./lame_duck.ts";

/** `--signal` commands and the signals they send, as nats-server maps them. */
const SIGNAL_FOR: Record<string, SignalName> = {
  stop: "SIGKILL",
  quit: "SIGINT",
  term: "SIGTERM",
  reopen: "SIGUSR1",
  reload: "SIGHUP",
  ldm: "SIGUSR2",
};

export function versionText(p: Platform): string {
  return `skiff v${SKIFF_VERSION} (nats-server ${COMPAT_NATS_VERSION} compatible; ` +
    `${p.runtime} ${p.runtimeVersion}, ${p.os}-${p.arch})\n`;
}

export async function runCli(platform: Platform, argv: readonly string[]): Promise<number> {
  let flags: FlagResult;
  let options: Options;
  try {
    flags = parseFlags([...argv]);
    if (flags.action === "help") {
      platform.writeStdout(helpText());
      return 0;
    }
    if (flags.action === "version") {
      platform.writeStdout(versionText(platform));
      return 0;
    }
    let fromFile: Partial<Options> = {};
    if (flags.configFile) {
      const loaded = await loadConfig(flags.configFile, {
        readFile: platform.readTextFile,
        env: platform.env,
        // Like nats-server, -t fails on warnings too.
        strict: flags.action === "check-config",
      });
      for (const w of loaded.warnings) platform.writeStderr(`skiff: ${w}\n`);
      fromFile = loaded.options;
    }
    for (const w of flags.warnings) platform.writeStderr(`skiff: ${w}\n`);
    options = resolveOptions(fromFile, flags.options, { configFile: flags.configFile ?? "" });
    const accounts = readAccountsConfig(options.rawConfig);
    readLeafNodeConfig(options.rawConfig, (name) => accounts.accounts.some((a) => a.name === name));
    if (flags.action === "check-config") {
      platform.writeStdout(`skiff: configuration file ${flags.configFile ?? ""} is valid\n`);
      return 0;
    }
    if (flags.action === "signal") return await sendSignal(platform, flags, options);
  } catch (err) {
    if (err instanceof FlagError || err instanceof ConfigError) {
      platform.writeStderr(`skiff: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  return await serve(platform, options, flags.options);
}

async function serve(
  platform: Platform,
  options: Options,
  commandLine: Partial<Options>,
): Promise<number> {
  let sink: LogSink = options.logFile
    ? await FileLogSink.open(platform, options.logFile)
    : stderrSink(platform);
  const logger = new Logger({
    pid: platform.pid,
    debug: options.debug,
    trace: options.trace,
    logtime: options.logtime,
    write: (line) => sink.write(line),
  });
  let server: Server;
  try {
    server = new Server(options, platform, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      platform.writeStderr(`skiff: ${err.message}\n`);
      await sink.close();
      return 1;
    }
    throw err;
  }
  // Reloads run one after another: two quick SIGHUPs must not interleave their file reads.
  let reloading = Promise.resolve();
  const reload = () =>
    reloading = reloading.then(reloadOnce).catch((err) =>
      logger.error(`Config reload failed: ${(err as Error).message}`)
    );
  const reloadOnce = async () => {
    const oldLog = options.logFile;
    const result = await reloadConfig(server, platform, commandLine);
    if (result && options.logFile !== oldLog) {
      const previous = sink;
      sink = options.logFile
        ? await FileLogSink.open(platform, options.logFile)
        : stderrSink(platform);
      await previous.close();
    }
  };
  let lameDuck: Promise<void> | null = null;
  const handlers: [SignalName, () => void][] = [
    ["SIGINT", () => void server.shutdown()],
    ["SIGTERM", () => void server.shutdown()],
    ["SIGHUP", () => void reload()],
    ["SIGUSR1", () => {
      if (!options.logFile) {
        logger.info("File log re-open ignored, not a file logger");
        return;
      }
      // Logged into the reopened file, as nats-server does.
      void sink.reopen().then(() => logger.info("File log re-opened"));
    }],
    ["SIGUSR2", () => {
      lameDuck ??= runLameDuckMode(server);
    }],
  ];
  // Hooked before the port opens (as nats-server does): a signal sent as soon as clients can
  // connect must not meet the default action, which ends the process.
  const unhook = handlers.map(([sig, fn]) => platform.onSignal(sig, fn));
  try {
    await server.start();
  } catch (err) {
    for (const off of unhook) off();
    logger.fatal(`Error listening on port: ${options.host}:${options.port}, ${err}`);
    await sink.close();
    return 1;
  }
  const removeFiles = await writeRuntimeFiles(server, platform);
  await server.done;
  for (const off of unhook) off();
  await removeFiles();
  await sink.close();
  return 0;
}

/** `--signal <command>[=<pid|pidfile>]`: signals a running server. */
async function sendSignal(
  platform: Platform,
  flags: FlagResult,
  options: Options,
): Promise<number> {
  const signal = SIGNAL_FOR[flags.signal ?? ""];
  if (signal === undefined) {
    platform.writeStderr(`skiff: unknown signal command ${JSON.stringify(flags.signal)}\n`);
    return 1;
  }
  let target = flags.signalPid ?? "";
  if (target === "" && options.pidFile) target = options.pidFile;
  if (target === "") {
    platform.writeStderr("skiff: --signal needs =<pid> or a pid file (-P or pid_file)\n");
    return 1;
  }
  if (!/^\d+$/.test(target)) {
    try {
      target = (await platform.readTextFile(target)).trim();
    } catch (err) {
      platform.writeStderr(`skiff: cannot read pid file ${target}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const pid = Number(target);
  if (!Number.isInteger(pid) || pid <= 0) {
    platform.writeStderr(`skiff: invalid pid ${JSON.stringify(target)}\n`);
    return 1;
  }
  try {
    platform.sendSignal(pid, signal);
  } catch (err) {
    platform.writeStderr(`skiff: cannot signal ${pid}: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}
