/** Wire forms consumers read and write: ack subjects and bodies, pull requests, Go durations. */

import { deepStrictEqual as eq } from "node:assert/strict";
import {
  ackSubject,
  parseAckBody,
  parseAckSubject,
  parseNakDelay,
} from "../../../src/jetstream/consumer_acks.ts";
import { parsePullRequest } from "../../../src/jetstream/consumer_waiting.ts";
import {
  goDuration,
  idleHeartbeat,
  pendingStatus,
} from "../../../src/jetstream/consumer_status.ts";
import { dec, enc } from "./_consumer_fakes.ts";

Deno.test("ack subject: built and read back in the v1 form", () => {
  const s = ackSubject("ORDERS", "C1", 2, 17, 40, 1700000000123000000, 5);
  eq(s, "$JS.ACK.ORDERS.C1.2.17.40.1700000000123000000.5");
  const info = parseAckSubject("$JS.ACK.ORDERS.C1.2.17.40.1700000000123456000.5");
  eq(info, { deliveries: 2, sseq: 17, dseq: 40, ts: 1700000000123456000, pending: 5 });
});

Deno.test("ack subject: the v2 form with domain and account hash is accepted", () => {
  eq(parseAckSubject("$JS.ACK.hub.ACCHASH.ORDERS.C1.3.9.12.100.0")?.sseq, 9);
  eq(parseAckSubject("$JS.ACK.hub.ACCHASH.ORDERS.C1.3.9.12.100.0.extra")?.dseq, 12);
});

Deno.test("ack subject: wrong token counts, prefixes and numbers are not acks", () => {
  for (
    const s of [
      "$JS.ACK.S.C.1.2.3.4",
      "$JS.ACK.S.C.1.2.3.4.5.6",
      "$JS.NAK.S.C.1.2.3.4.5",
      "$JS.ACK.S.C.1.x.3.4.5",
      "$JS.ACK.S.C.1.0.3.4.5",
    ]
  ) {
    eq(parseAckSubject(s), null, s);
  }
});

Deno.test("ack bodies: verbs as nats-server matches them", () => {
  const kind = (s: string) => parseAckBody(enc.encode(s));
  eq(kind(""), { kind: "ack", arg: "" });
  eq(kind("+ACK"), { kind: "ack", arg: "" });
  eq(kind("+OK"), { kind: "ack", arg: "" });
  eq(kind("+WPI"), { kind: "progress", arg: "" });
  eq(kind("-NAK"), { kind: "nak", arg: "" });
  eq(kind('-NAK {"delay": 5}'), { kind: "nak", arg: '{"delay": 5}' });
  eq(kind("+NXT 10"), { kind: "next", arg: "10" });
  eq(kind("+TERM  poison "), { kind: "term", arg: "poison" });
  eq(kind("+ACK "), { kind: "unknown", arg: "" });
});

Deno.test("NAK delays: JSON nanoseconds or a Go duration; anything else is a plain NAK", () => {
  eq(parseNakDelay('{"delay": 2000000000}'), 2_000_000_000);
  eq(parseNakDelay("1.5s"), 1_500_000_000);
  eq(parseNakDelay("250ms"), 250_000_000);
  eq(parseNakDelay(""), null);
  eq(parseNakDelay("{bad"), null);
  eq(parseNakDelay("soon"), null);
});

Deno.test("pull requests: empty, integer and JSON bodies", () => {
  const p = (s: string) => parsePullRequest(enc.encode(s));
  eq(p(""), { batch: 1, expires: 0, maxBytes: 0, noWait: false, heartbeat: 0 });
  eq(p(" 7 "), { batch: 7, expires: 0, maxBytes: 0, noWait: false, heartbeat: 0 });
  eq(p("x"), { batch: 1, expires: 0, maxBytes: 0, noWait: false, heartbeat: 0 });
  eq(p('{"batch":3,"expires":5000000000,"no_wait":true,"max_bytes":100,"idle_heartbeat":1000}'), {
    batch: 3,
    expires: 5_000_000_000,
    maxBytes: 100,
    noWait: true,
    heartbeat: 1000,
  });
  eq(p('{"batch":"3"}').toString().startsWith("json: cannot unmarshal string"), true);
  eq(p('{"batch":1,"idle_heartbeat":10,"expires":15}'), "heartbeat value too large");
});

Deno.test("status blocks: pending counts and heartbeats", () => {
  eq(
    dec.decode(pendingStatus(408, "Request Timeout", 2, 0)),
    "NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 2\r\nNats-Pending-Bytes: 0\r\n\r\n",
  );
  eq(
    dec.decode(idleHeartbeat(3, 7, "$JS.FC.S.C.ab12")),
    "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 3\r\nNats-Last-Stream: 7\r\n" +
      "Nats-Consumer-Stalled: $JS.FC.S.C.ab12\r\n\r\n",
  );
});

Deno.test("goDuration: Go's time.Duration text", () => {
  eq(goDuration(0), "0s");
  eq(goDuration(999), "999ns");
  eq(goDuration(1500), "1.5\u00b5s");
  eq(goDuration(250_000_000), "250ms");
  eq(goDuration(1_500_000_000), "1.5s");
  eq(goDuration(90_000_000_000), "1m30s");
  eq(goDuration(3_600_000_000_000), "1h0m0s");
  eq(goDuration(-2_000_000_000), "-2s");
});
