/**
 * Logging end to end: nats-server's line format in a `-l` file, the `-D`/`-V` levels,
 * connection open/close lines at debug level, authentication failures, `logtime: false`, and
 * SIGUSR1 reopening the file after logrotate moved it. Runs against nats-server 2.9.10 too.
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { type ConfiguredServer, startConfigured, waitFor } from "../_helpers/process.ts";

/** `[pid] 2006/01/02 15:04:05.000000 [INF] message`. */
const LINE = /^\[(\d+)\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} \[(FTL|ERR|WRN|INF|DBG|TRC)\] .*$/;

const listenOn = (port: number) => `listen: "127.0.0.1:${port}"\n`;

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** Waits until the file at `path` matches `pattern`; returns its text. */
function waitForFile(path: string, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  return waitFor(
    async () => {
      const text = await readText(path);
      return pattern.test(text) ? text : undefined;
    },
    () => `${pattern} in ${path}: ${JSON.stringify(Deno.readTextFileSync(path))}`,
    timeoutMs,
  );
}

/**
 * Starts a server from `config` with `-l <file> ...extraArgs` and runs `body` with the log
 * file's path; on failure the error carries stderr and every file in the log directory.
 */
async function withServer(
  config: (port: number) => string,
  extraArgs: string[],
  body: (s: ConfiguredServer, logFile: string) => Promise<void>,
): Promise<void> {
  const logDir = await Deno.makeTempDir({ prefix: "skiff-ops-log-" });
  const logFile = `${logDir}/server.log`;
  const s = await startConfigured(config, ["-l", logFile, ...extraArgs]);
  try {
    await body(s, logFile);
  } catch (err) {
    if (err instanceof Error) {
      err.message += `\n--- stderr ---\n${s.proc.stderr()}\n--- log dir ---\n`;
      for await (const e of Deno.readDir(logDir)) {
        err.message += `${e.name}:\n${await readText(`${logDir}/${e.name}`)}\n`;
      }
    }
    throw err;
  } finally {
    await s.cleanup();
    await Deno.remove(logDir, { recursive: true });
  }
}

Deno.test("logging: -l writes nats-server's line format, stamped with the pid", async () => {
  await withServer(listenOn, [], async (s, logFile) => {
    const text = await waitForFile(logFile, /Server is ready/);
    const lines = text.trimEnd().split("\n");
    assert.ok(lines.length >= 3, text);
    for (const line of lines) {
      const m = line.match(LINE);
      assert.ok(m, `line in nats-server's format: ${JSON.stringify(line)}`);
      assert.equal(Number(m[1]), s.proc.pid);
    }
    assert.match(text, /\[INF\] Listening for client connections on 127\.0\.0\.1:\d+/);
    assert.doesNotMatch(text, /\[DBG\]/, "no debug lines without -D");
  });
});

Deno.test("logging: -D logs connections opening and closing at debug level", async () => {
  await withServer(listenOn, ["-D"], async (s, logFile) => {
    await waitForFile(logFile, /Server is ready/);
    const client = await RawClient.open(s.port);
    await client.close();
    const text = await waitForFile(logFile, /Client connection closed/);
    assert.match(text, /\[DBG\] 127\.0\.0\.1:\d+ - cid:\d+ - Client connection created/);
    assert.match(
      text,
      /\[DBG\] 127\.0\.0\.1:\d+ - cid:\d+ - .*Client connection closed: Client Closed/,
    );
    assert.doesNotMatch(text, /\[TRC\]/, "no trace lines without -V");
  });
});

Deno.test({
  name: "logging: -V traces protocol operations",
  fn: async () => {
    await withServer(listenOn, ["-V"], async (s, logFile) => {
      await waitForFile(logFile, /Server is ready/);
      await using client = await RawClient.open(s.port);
      await client.send("SUB traced.subject 1\r\n");
      await client.barrier();
      const text = await waitForFile(logFile, /traced\.subject/);
      assert.match(text, /\[TRC\] 127\.0\.0\.1:\d+ - cid:\d+ - .*<<- \[SUB traced\.subject 1\]/);
    });
  },
});

Deno.test("logging: a failed authentication is logged as an error", async () => {
  await withServer(
    listenOn,
    ["--user", "u", "--pass", "p"],
    async (s, logFile) => {
      await waitForFile(logFile, /Server is ready/);
      await using client = await RawClient.connect(s.port);
      await client.readInfo();
      await client.send(`CONNECT ${JSON.stringify({ user: "u", pass: "wrong" })}\r\nPING\r\n`);
      await client.expect("-ERR 'Authorization Violation'\r\n");
      const text = await waitForFile(logFile, /authentication error/);
      assert.match(text, /\[ERR\] .*cid:\d+ - .*authentication error/);
      assert.doesNotMatch(text, /wrong/, "the password is not logged");
    },
  );
});

Deno.test("logging: logtime false leaves the date and time out", async () => {
  await withServer((port) => `${listenOn(port)}logtime: false\n`, [], async (_s, logFile) => {
    const text = await waitForFile(logFile, /Server is ready/);
    for (const line of text.trimEnd().split("\n")) {
      assert.match(line, /^\[\d+\] \[(ERR|WRN|INF|DBG)\] /);
    }
  });
});

Deno.test("logging: SIGUSR1 reopens the log file after it was moved away", async () => {
  await withServer(listenOn, ["-D"], async (s, logFile) => {
    await waitForFile(logFile, /Server is ready/);
    const rotated = `${logFile}.1`;
    await Deno.rename(logFile, rotated);
    s.proc.kill("SIGUSR1");
    const reopened = await waitForFile(logFile, /\[INF\] File log re-opened/);
    assert.doesNotMatch(reopened, /Server is ready/, "a new file, not the old one");

    // New lines go to the new file only.
    const client = await RawClient.connect(s.port);
    const cid = (await client.readInfo()).client_id;
    await client.handshake();
    await client.close();
    await waitForFile(logFile, new RegExp(`cid:${cid} - .*Client connection closed`));
    assert.doesNotMatch(await readText(rotated), new RegExp(`cid:${cid} `));
  });
});
