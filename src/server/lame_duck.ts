/**
 * Lame duck mode (SIGUSR2, `--signal ldm`): stop accepting, tell clients with an INFO carrying
 * `"ldm":true` so they can move elsewhere, wait the grace period, then close the remaining
 * clients spread over the rest of `lame_duck_duration`, and shut down. As in nats-server, the
 * pause between two closes is a random time between half and all of the interval (which is at
 * most one second), there is no pause after the last one, and a server without clients shuts
 * down at once.
 */
import { CloseReason } from "../conn/close_reason.ts";
import type { Server } from "./server.ts";

const MAX_GAP_MS = 1000;

export async function runLameDuckMode(
  server: Server,
  sleep = defaultSleep,
  random: () => number = Math.random,
): Promise<void> {
  const o = server.options;
  server.logger.info("Entering lame duck mode, stop accepting new clients");
  server.stopAccepting();
  if (server.clients.size === 0) return server.shutdown();
  for (const client of server.clients.values()) {
    client.sendAsyncInfo(server.infoLine(client, { ldm: true }));
  }
  server.logger.info(`Waiting ${o.lameDuckGracePeriodMs / 1000}s before closing clients`);
  await sleep(o.lameDuckGracePeriodMs);

  // Clients that left during the grace period are not waited for.
  const clients = [...server.clients.values()];
  const spreadMs = Math.max(o.lameDuckDurationMs - o.lameDuckGracePeriodMs, MAX_GAP_MS);
  const gapMs = clients.length === 0 ? 0 : Math.min(spreadMs / clients.length, MAX_GAP_MS);
  server.logger.info(`Closing ${clients.length} existing clients`);
  for (let i = 0; i < clients.length; i++) {
    clients[i].close(CloseReason.ServerShutdown);
    if (i === clients.length - 1 || gapMs < 1) continue;
    // Jitter, so that clients reconnecting elsewhere do not arrive in lockstep.
    await sleep(gapMs / 2 + random() * (gapMs / 2));
  }
  await server.shutdown();
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
