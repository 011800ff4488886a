/** Skiff's entry point: argv -> options -> platform -> server. */
import { selectPlatform } from "./src/platform/mod.ts";
import { runCli } from "./src/server/cli.ts";

const platform = await selectPlatform();
platform.exit(await runCli(platform, platform.args));
