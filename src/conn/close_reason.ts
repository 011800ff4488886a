/** Why a connection closed, named exactly as nats-server reports it in `/connz` (`reason`). */
export const CloseReason = {
  ClientClosed: "Client Closed",
  AuthenticationTimeout: "Authentication Timeout",
  AuthenticationViolation: "Authentication Failure",
  SlowConsumerPendingBytes: "Slow Consumer (Pending Bytes)",
  SlowConsumerWriteDeadline: "Slow Consumer (Write Deadline)",
  WriteError: "Write Error",
  ReadError: "Read Error",
  ParseError: "Parse Error",
  StaleConnection: "Stale Connection",
  ProtocolViolation: "Protocol Violation",
  BadClientProtocolVersion: "Bad Client Protocol Version",
  MaxConnectionsExceeded: "Maximum Connections Exceeded",
  MaxPayloadExceeded: "Maximum Message Payload Exceeded",
  MaxControlLineExceeded: "Maximum Control Line Exceeded",
  ServerShutdown: "Server Shutdown",
  NoRespondersRequiresHeaders: "No Responders Requires Headers",
} as const;

export type CloseReason = typeof CloseReason[keyof typeof CloseReason];
