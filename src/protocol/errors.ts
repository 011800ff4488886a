/**
 * The one table of `-ERR` texts Skiff sends, verbatim from nats-server (server/errors.go,
 * client.go). Tests assert these strings exactly; never inline an error text elsewhere.
 */

export const ERR_UNKNOWN_PROTOCOL_OPERATION = "Unknown Protocol Operation";
export const ERR_AUTHORIZATION_VIOLATION = "Authorization Violation";
export const ERR_AUTHENTICATION_TIMEOUT = "Authentication Timeout";
export const ERR_MAX_CONTROL_LINE = "maximum control line exceeded";
export const ERR_MAX_PAYLOAD = "Maximum Payload Violation";
export const ERR_MAX_CONNECTIONS = "maximum connections exceeded";
export const ERR_MAX_SUBSCRIPTIONS = "maximum subscriptions exceeded";
export const ERR_SECURE_CONNECTION_TLS_REQUIRED = "Secure Connection - TLS Required";
export const ERR_INVALID_CLIENT_PROTOCOL = "invalid client protocol";
export const ERR_NO_RESPONDERS_REQUIRES_HEADERS = "no responders requires headers support";
export const ERR_ROUTE_PORT = "attempted to connect to route port";
export const ERR_LEAF_PORT = "attempted to connect to leaf node port";
export const ERR_GATEWAY_PORT = "attempted to connect to gateway port";
export const ERR_STALE_CONNECTION = "Stale Connection";
export const ERR_INVALID_SUBJECT = "Invalid Subject";
export const ERR_INVALID_PUBLISH_SUBJECT = "Invalid Publish Subject";

/** `-ERR 'Permissions Violation for Publish to "<subject>"'` (Go `%q` quoting). */
export function publishViolation(subject: string): string {
  return `Permissions Violation for Publish to ${JSON.stringify(subject)}`;
}

/** `-ERR 'Permissions Violation for Subscription to "<subject>"'`. */
export function subscriptionViolation(subject: string, queue?: string): string {
  const base = `Permissions Violation for Subscription to ${JSON.stringify(subject)}`;
  return queue ? `${base} using queue ${JSON.stringify(queue)}` : base;
}

/** The wire form: `-ERR '<text>'\r\n`. */
export function errLine(text: string): string {
  return `-ERR '${text}'\r\n`;
}
