/**
 * Monitoring: the data functions and the source they read. The HTTP app (`app.ts`, the only
 * module that imports hono) is not re-exported: the server loads it only when monitoring is on.
 */
export { accountStatz, accountz } from "./accountz.ts";
export { ClosedRing, DEFAULT_MAX_CLOSED_CLIENTS } from "./closed_ring.ts";
export { closedConnRecord, connz } from "./connz.ts";
export { CpuMeter, logicalCores, platformCpuClock } from "./cpu.ts";
export { gatewayz } from "./gatewayz.ts";
export { healthz } from "./healthz.ts";
export { jsz } from "./jsz.ts";
export { leafz } from "./leafz.ts";
export { metrics, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";
export { MonitorRequestError } from "./query.ts";
export { routez } from "./routez.ts";
export { subsz } from "./subsz.ts";
export { varz } from "./varz.ts";
export { MonitorState } from "./state.ts";
export { accountViews, clientConnSource, subscriptionSource } from "./views.ts";
export type * from "./source.ts";
