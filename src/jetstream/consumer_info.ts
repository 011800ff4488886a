/**
 * ConsumerInfo JSON with nats-server's field names and `omitempty` rules: `stream_name, name,
 * created, config, delivered{consumer_seq, stream_seq, last_active}, ack_floor{…},
 * num_ack_pending, num_redelivered, num_waiting, num_pending, push_bound, ts`.
 */
import { rfc3339Nano } from "../util/time.ts";
import { type ConsumerConfig, encodeConsumerConfig } from "./consumer_config_json.ts";

export interface ConsumerInfoFields {
  stream: string;
  name: string;
  /** ns */
  created: number;
  config: ConsumerConfig;
  delivered: { consumerSeq: number; streamSeq: number; lastActive: number };
  ackFloor: { consumerSeq: number; streamSeq: number; lastActive: number };
  numAckPending: number;
  numRedelivered: number;
  numWaiting: number;
  numPending: number;
  pushBound: boolean;
  /** ns */
  now: number;
}

function sequenceInfo(s: { consumerSeq: number; streamSeq: number; lastActive: number }) {
  const out: Record<string, unknown> = { consumer_seq: s.consumerSeq, stream_seq: s.streamSeq };
  if (s.lastActive > 0) out.last_active = rfc3339Nano(s.lastActive);
  return out;
}

export function consumerInfoJson(f: ConsumerInfoFields): Record<string, unknown> {
  const info: Record<string, unknown> = {
    stream_name: f.stream,
    name: f.name,
    created: rfc3339Nano(f.created),
    config: encodeConsumerConfig(f.config),
    delivered: sequenceInfo(f.delivered),
    ack_floor: sequenceInfo(f.ackFloor),
    num_ack_pending: f.numAckPending,
    // Redeliveries are disabled with max_deliver 1; nats-server does not report them then.
    num_redelivered: f.config.max_deliver === 1 ? 0 : f.numRedelivered,
    num_waiting: f.numWaiting,
    num_pending: f.numPending,
  };
  if (f.pushBound) info.push_bound = true;
  info.ts = rfc3339Nano(f.now);
  return info;
}
