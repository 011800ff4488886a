/**
 * Lame duck mode on SIGUSR2, end to end: clients that can take an asynchronous INFO are told
 * `"ldm":true`, new connections are refused, the remaining clients are closed once the grace
 * period is over (at most a second apart), and the process exits with status 0. Runs against
 * nats-server 2.9.10 too (`SKIFF_SERVER=nats-server`).
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { portRefuses, startConfigured, TIMEOUT, waitFor, within } from "../_helpers/process.ts";

/** nats-server's minimum lame_duck_duration; with a 1s grace period closes are 1s apart. */
const LAME_DUCK_CONFIG = (port: number) =>
  `listen: "127.0.0.1:${port}"\nlame_duck_duration: "30s"\nlame_duck_grace_period: "1s"\n`;

const GRACE_MS = 1000;
/** Grace period, one second per client after the first, and slack for a loaded machine. */
const CLOSE_DEADLINE_MS = 8000;

Deno.test("lame duck: INFO ldm, no new clients, closes after the grace period, exit 0", async () => {
  const s = await startConfigured(LAME_DUCK_CONFIG);
  try {
    // Protocol 1 and past its first PING/PONG: this client is told about lame duck mode.
    const told = await RawClient.open(s.port);
    // Protocol 0 clients never get asynchronous INFOs.
    const old = await RawClient.open(s.port, { verbose: false, pedantic: false, protocol: 0 });
    try {
      s.proc.kill("SIGUSR2");
      const started = Date.now();

      const info = await told.expectMatch(/INFO (\{.*\}) ?\r\n/, 3000);
      assert.equal(JSON.parse(info[1]).ldm, true);

      await waitFor(
        async () => (await portRefuses(s.port)) || undefined,
        "new connections refused",
      );

      await Promise.all([
        told.expectClosed(CLOSE_DEADLINE_MS),
        old.expectClosed(CLOSE_DEADLINE_MS),
      ]);
      const elapsed = Date.now() - started;
      assert.ok(
        elapsed >= GRACE_MS - 100,
        `clients closed after ${elapsed}ms, before the grace period`,
      );
      assert.doesNotMatch(old.buffered, /INFO/, "no async INFO for a protocol 0 client");

      const status = await within(s.proc.exited, 5000);
      assert.notEqual(status, TIMEOUT, "the process exits once its clients are gone");
      if (status !== TIMEOUT) assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}`);
    } finally {
      await told.close();
      await old.close();
    }
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- server log ---\n${s.proc.stderr()}`;
    throw err;
  } finally {
    await s.cleanup();
  }
});

Deno.test("lame duck: without clients the server exits promptly", async () => {
  const s = await startConfigured(LAME_DUCK_CONFIG);
  try {
    s.proc.kill("SIGUSR2");
    const status = await within(s.proc.exited, 5000);
    assert.notEqual(status, TIMEOUT);
    if (status !== TIMEOUT) assert.equal(status.code, 0);
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- server log ---\n${s.proc.stderr()}`;
    throw err;
  } finally {
    await s.cleanup();
  }
});
