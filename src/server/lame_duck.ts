/**
 * Lame duck mode (SIGUSR2, `--signal ldm`): stop accepting, tell clients with an INFO carrying
 * `"ldm":true` so they can move elsewhere, wait the grace period, then close the remaining
 * clients spread over the rest of `lame_duck_duration` (at most one second apart, as
 * nats-server does), and shut down.
 */
import { CloseReason } from "../conn/close_reason.ts";
import type { Server } from "./server.ts";

export async function runLameDuckMode(server: Server, sleep = defaultSleep): Promise<void> {
  const o = server.options;
  server.logger.info("Entering lame duck mode, stop accepting new clients");
  server.stopAccepting();
  for (const client of server.clients.values()) {
    client.sendAsyncInfo(server.infoLine(client, { ldm: true }));
  }
  server.logger.info(`Waiting ${o.lameDuckGracePeriodMs / 1000}s before closing clients`);
  await sleep(o.lameDuckGracePeriodMs);

  const clients = [...server.clients.values()];
  const spreadMs = Math.max(o.lameDuckDurationMs - o.lameDuckGracePeriodMs, 1000);
  const gapMs = clients.length === 0 ? 0 : Math.min(spreadMs / clients.length, 1000);
  server.logger.info(`Closing ${clients.length} existing clients`);
  for (const client of clients) {
    client.close(CloseReason.ServerShutdown);
    if (gapMs >= 1) await sleep(gapMs);
  }
  await server.shutdown();
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
