/**
 * The command line: flags and config file to options, the one-shot actions (help, version,
 * config check), and running the server until a signal stops it. Returns the exit code.
 */
import type { Platform } from "../platform/types.ts";
import { helpText, parseFlags } from "../config/flags.ts";
import { loadConfig } from "../config/load.ts";
import { ConfigError, FlagError } from "../config/errors.ts";
import {
  COMPAT_NATS_VERSION,
  type Options,
  resolveOptions,
  SKIFF_VERSION,
} from "../config/options.ts";
import { Server } from "./server.ts";
import { writeRuntimeFiles } from "./runtime_files.ts";
import { readAccountsConfig } from "../accounts/config.ts";

export function versionText(p: Platform): string {
  return `skiff v${SKIFF_VERSION} (nats-server ${COMPAT_NATS_VERSION} compatible; ` +
    `${p.runtime} ${p.runtimeVersion}, ${p.os}-${p.arch})\n`;
}

export async function runCli(platform: Platform, argv: readonly string[]): Promise<number> {
  let options: Options;
  let server: Server;
  try {
    const flags = parseFlags([...argv]);
    if (flags.action === "help") {
      platform.writeStderr(helpText());
      return 0;
    }
    if (flags.action === "version") {
      platform.writeStderr(versionText(platform));
      return 0;
    }
    if (flags.action === "signal") {
      platform.writeStderr("skiff: --signal is not supported yet\n");
      return 1;
    }
    let fromFile = {};
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
    if (flags.action === "check-config") {
      readAccountsConfig((fromFile as Partial<Options>).rawConfig ?? null);
      platform.writeStderr(`skiff: configuration file ${flags.configFile ?? ""} is valid\n`);
      return 0;
    }
    options = resolveOptions(fromFile, flags.options, { configFile: flags.configFile ?? "" });
    server = new Server(options, platform);
  } catch (err) {
    if (err instanceof FlagError || err instanceof ConfigError) {
      platform.writeStderr(`skiff: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  try {
    await server.start();
  } catch (err) {
    server.logger.fatal(`Error listening on port: ${options.host}:${options.port}, ${err}`);
    return 1;
  }
  const removeFiles = await writeRuntimeFiles(server, platform);
  const stop = () => void server.shutdown();
  const unhook = [
    platform.onSignal("SIGINT", stop),
    platform.onSignal("SIGTERM", stop),
  ];
  await server.done;
  for (const off of unhook) off();
  await removeFiles();
  return 0;
}
