/**
 * Shutdown on signals: the process exits promptly and clients see their connections close.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { RawClient } from "../_helpers/raw_client.ts";
import { annotate, isReference, type ServerProcess, startServer } from "../_helpers/server.ts";

const PROMPT_MS = 5000;

/** Resolve with the exit status, or fail if the server takes longer than PROMPT_MS. */
async function exitWithin(srv: ServerProcess, ms = PROMPT_MS): Promise<Deno.CommandStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server still running ${ms}ms after signal`)), ms);
  });
  try {
    return await Promise.race([srv.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function withStartedServer(body: (srv: ServerProcess) => Promise<void>): Promise<void> {
  const srv = await startServer();
  try {
    await body(srv);
  } catch (err) {
    throw annotate(err, srv);
  } finally {
    await srv.stop(); // no-op when already exited; SIGKILL fallback otherwise
  }
}

Deno.test("shutdown: SIGTERM exits promptly and closes client connections", async () => {
  await withStartedServer(async (srv) => {
    await using raw = await RawClient.open(srv.port);
    await raw.send("SUB x 1\r\n");
    await raw.barrier();
    const started = Date.now();
    srv.kill("SIGTERM");
    const status = await exitWithin(srv);
    // nats-server 2.9.10 exits with 1 on SIGTERM (0 on SIGINT); Skiff exits cleanly with 0.
    assert.equal(status.code, isReference() ? 1 : 0, `exit status ${JSON.stringify(status)}`);
    assert.equal(status.signal, null, "exited on its own, not killed by the signal");
    await raw.expectClosed(PROMPT_MS - (Date.now() - started));
    assert.ok(!raw.buffered.includes("-ERR"), `no error on shutdown: ${raw.buffered}`);
  });
});

Deno.test("shutdown: SIGINT exits promptly with code 0", async () => {
  await withStartedServer(async (srv) => {
    await using raw = await RawClient.open(srv.port);
    srv.kill("SIGINT");
    const status = await exitWithin(srv);
    assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}`);
    await raw.expectClosed();
  });
});

Deno.test("shutdown: the official client sees the connection close", async () => {
  await withStartedServer(async (srv) => {
    const nc = await connect({ servers: srv.url, reconnect: false });
    try {
      srv.kill("SIGTERM");
      await exitWithin(srv);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), PROMPT_MS));
      const closed = await Promise.race([nc.closed(), late]).finally(() => clearTimeout(timer));
      assert.notEqual(closed, "late", "client did not notice the server went away");
      assert.equal(nc.isClosed(), true);
    } finally {
      if (!nc.isClosed()) await nc.close();
    }
  });
});
