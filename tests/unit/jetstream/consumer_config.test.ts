/**
 * Consumer config: decoding, nats-server's defaults, every refused combination with its
 * err_code, the JSON written back (field order, omitempty) and the update rules.
 */

import { deepStrictEqual as eq, throws } from "node:assert/strict";
import {
  decodeConsumerConfig,
  encodeConsumerConfig,
} from "../../../src/jetstream/consumer_config_json.ts";
import {
  applyConsumerDefaults,
  subjectsCollide,
  validateConsumerConfig,
  validateConsumerUpdate,
} from "../../../src/jetstream/consumer_config.ts";
import { ApiError } from "../../../src/jetstream/api_errors.ts";
import { streamConfig } from "./_consumer_fakes.ts";
import type { StreamConfig } from "../../../src/jetstream/types.ts";

const SEC = 1_000_000_000;

function configured(raw: Record<string, unknown>, stream: StreamConfig = streamConfig()) {
  const c = decodeConsumerConfig(raw);
  applyConsumerDefaults(c, stream);
  validateConsumerConfig(c, stream);
  return c;
}

function refusal(raw: Record<string, unknown>, stream?: StreamConfig): [number, string] {
  try {
    configured(raw, stream);
  } catch (err) {
    if (err instanceof ApiError) return [err.errCode, err.message];
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

Deno.test("config: defaults for an explicit-ack pull durable", () => {
  const c = configured({ durable_name: "D", ack_policy: "explicit" });
  eq(encodeConsumerConfig(c), {
    durable_name: "D",
    deliver_policy: "all",
    ack_policy: "explicit",
    ack_wait: 30 * SEC,
    max_deliver: -1,
    replay_policy: "instant",
    max_waiting: 512,
    max_ack_pending: 1000,
    num_replicas: 0,
  });
});

Deno.test("config: an ephemeral gets a 5s inactive threshold; ack none gets no ack wait", () => {
  const c = configured({ name: "E" });
  eq(encodeConsumerConfig(c), {
    name: "E",
    deliver_policy: "all",
    ack_policy: "none",
    max_deliver: -1,
    replay_policy: "instant",
    max_waiting: 512,
    inactive_threshold: 5 * SEC,
    num_replicas: 0,
  });
});

Deno.test("config: push consumers get no max_waiting; backoff sets ack_wait", () => {
  const c = configured({
    durable_name: "P",
    ack_policy: "explicit",
    deliver_subject: "d",
    backoff: [2 * SEC, 4 * SEC],
  });
  eq(c.max_waiting, 0);
  eq(c.ack_wait, 2 * SEC);
  eq(Object.keys(encodeConsumerConfig(c)), [
    "durable_name",
    "deliver_policy",
    "ack_policy",
    "ack_wait",
    "max_deliver",
    "backoff",
    "replay_policy",
    "max_ack_pending",
    "deliver_subject",
    "num_replicas",
  ]);
});

Deno.test("config: stream consumer_limits supply defaults and caps", () => {
  const stream = streamConfig({
    consumer_limits: { max_ack_pending: 50, inactive_threshold: 2 * SEC },
  });
  const c = configured({ durable_name: "D", ack_policy: "explicit" }, stream);
  eq([c.max_ack_pending, c.inactive_threshold], [50, 2 * SEC]);
  eq(refusal({ durable_name: "D", ack_policy: "explicit", max_ack_pending: 60 }, stream), [
    10121,
    "consumer max ack pending exceeds system limit of 50",
  ]);
});

Deno.test("config: wrong JSON types and unknown enum values are invalid JSON", () => {
  for (
    const raw of [
      { ack_policy: "bogus" },
      { deliver_policy: "first" },
      { replay_policy: "fast" },
      { max_deliver: "3" },
      { ack_wait: 1.5 },
      { opt_start_seq: -1 },
      { backoff: ["1s"] },
      { opt_start_time: "yesterday" },
      { flow_control: "yes" },
    ]
  ) {
    throws(
      () => decodeConsumerConfig(raw),
      (e: ApiError) => e.errCode === 10025,
      JSON.stringify(raw),
    );
  }
});

Deno.test("config: each invalid combination gets nats-server's err_code and text", () => {
  const cases: [Record<string, unknown>, number, string?][] = [
    [{ ack_policy: "explicit", deliver_subject: "d.>" }, 10079],
    [{ ack_policy: "explicit", deliver_subject: "d", max_waiting: 5 }, 10080],
    [{ ack_policy: "none", deliver_subject: "d", max_ack_pending: 5 }, 10082],
    [
      { deliver_subject: "d", idle_heartbeat: 1000 },
      10083,
      "consumer idle heartbeat needs to be >= 100ms",
    ],
    [{ ack_policy: "explicit", rate_limit_bps: 100 }, 10086],
    [{ ack_policy: "explicit", idle_heartbeat: SEC }, 10088],
    [{ ack_policy: "explicit", flow_control: true }, 10089],
    [{ deliver_subject: "d", flow_control: true }, 10108],
    [{ max_batch: -1 }, 10114],
    [{ max_expires: 100 }, 10115],
    [{ max_waiting: -1 }, 10087],
    [{ ack_policy: "explicit", backoff: [SEC, SEC], max_deliver: 1 }, 10116],
    [{ ack_policy: "explicit", backoff: [-1] }, 10184],
    [{ ack_policy: "explicit", ack_wait: -5 }, 10183],
    [
      { opt_start_seq: 4 },
      10094,
      "consumer delivery policy is deliver all, but optional start sequence is also set",
    ],
    [
      { deliver_policy: "by_start_sequence" },
      10094,
      "consumer delivery policy is deliver by start sequence, but optional start sequence is not set",
    ],
    [
      { deliver_policy: "by_start_time" },
      10094,
      "consumer delivery policy is deliver by start time, but optional start time is not set",
    ],
    [
      { deliver_policy: "last_per_subject" },
      10094,
      "consumer delivery policy is deliver last per subject, but optional filter subject is not set",
    ],
    [
      { deliver_policy: "new", opt_start_time: "2020-01-01T00:00:00Z" },
      10094,
      "consumer delivery policy is deliver new, but optional start time is also set",
    ],
    [{ filter_subject: "x.y" }, 10093],
    [{ filter_subject: "s..a" }, 10093],
    [{ filter_subject: "s.a", filter_subjects: ["s.b"] }, 10136],
    [{ filter_subjects: ["s.a", ""] }, 10139],
    [{ filter_subjects: ["s.>", "s.a"] }, 10138],
    [{ deliver_subject: "s.foo" }, 10081],
    [{ name: "a.b" }, 10103],
    [{ durable_name: "a*b" }, 10103],
    [{ name: "a/b" }, 10127],
    [{ name: "x".repeat(256) }, 10102],
    [{ name: "A", durable_name: "B" }, 10132],
    [{ num_replicas: 3 }, 10074],
    [{ num_replicas: -1 }, 10133],
    [{ description: "d".repeat(4097) }, 10107],
    [{ sample_freq: "abc" }, 10095],
    [{ direct: true }, 10090],
    [{ durable_name: "D", deliver_subject: "d", direct: true }, 10091],
  ];
  for (const [raw, code, text] of cases) {
    const [got, message] = refusal(raw);
    eq(got, code, JSON.stringify(raw));
    if (text !== undefined) eq(message, text);
  }
});

Deno.test("config: pull consumers on a work queue need explicit acks", () => {
  eq(refusal({ ack_policy: "none" }, streamConfig({ retention: "workqueue" }))[0], 10084);
});

Deno.test("config: backoff with unlimited max_deliver is allowed (as since 2.10)", () => {
  const c = configured({ ack_policy: "explicit", backoff: [SEC, 2 * SEC] });
  eq(c.max_deliver, -1);
});

Deno.test("config: metadata and filter_subjects are kept and written back sorted", () => {
  const c = configured({ filter_subjects: ["s.b", "s.a"], metadata: { z: "1", a: "2" } });
  const out = encodeConsumerConfig(c);
  eq(out.filter_subjects, ["s.b", "s.a"]);
  eq(JSON.stringify(out.metadata), '{"a":"2","z":"1"}');
});

Deno.test("config: updates may change limits but not policies", () => {
  const cur = configured({ durable_name: "D", ack_policy: "explicit", deliver_subject: "d" });
  const next = (raw: Record<string, unknown>) =>
    configured({ durable_name: "D", ack_policy: "explicit", deliver_subject: "d", ...raw });
  const noInterest = () => false;
  validateConsumerUpdate(cur, next({ max_ack_pending: 5, description: "x" }), noInterest);
  validateConsumerUpdate(cur, next({ deliver_subject: "d2" }), noInterest);
  const refused = (raw: Record<string, unknown>, interest = noInterest): [number, string] => {
    try {
      validateConsumerUpdate(cur, next(raw), interest);
    } catch (err) {
      return [(err as ApiError).errCode, (err as ApiError).message];
    }
    throw new Error("allowed");
  };
  eq(refused({ deliver_policy: "new" }), [10012, "deliver policy can not be updated"]);
  eq(refused({ ack_policy: "all" }), [10012, "ack policy can not be updated"]);
  eq(refused({ replay_policy: "original" }), [10012, "replay policy can not be updated"]);
  eq(refused({ idle_heartbeat: SEC }), [10012, "heart beats can not be updated"]);
  eq(refused({ deliver_subject: "" })[1], "can not update push consumer to pull based");
  eq(refused({ deliver_subject: "d2" }, () => true)[0], 10013);
});

Deno.test("subjectsCollide: wildcards on either side", () => {
  eq(subjectsCollide("s.a", "s.*"), true);
  eq(subjectsCollide("s.*", "s.>"), true);
  eq(subjectsCollide("s.a.b", "s.*"), false);
  eq(subjectsCollide("x.>", "s.>"), false);
  eq(subjectsCollide(">", "a.b"), true);
});
