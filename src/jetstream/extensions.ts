/**
 * The JetStream API beyond streams, registered with every account's router: consumers and
 * stream snapshot/restore. Kept in one list so the server enables them all in one place.
 */
import type { ApiExtension } from "./jetstream.ts";
import { registerConsumerApi } from "./api_consumer.ts";
import { registerSnapshotApi } from "./api_snapshot.ts";

export const JETSTREAM_EXTENSIONS: readonly ApiExtension[] = [
  (router, js) =>
    registerConsumerApi(router, (name) => js.streams.get(name) ?? null, {
      messaging: js.messaging,
      accountMaxConsumers: js.account.jetstreamLimits.maxConsumers,
    }),
  registerSnapshotApi,
];
