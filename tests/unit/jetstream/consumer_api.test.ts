/**
 * The consumer API through the JetStream router: the create forms and their checks, actions,
 * INFO / LIST / NAMES / DELETE, MSG.NEXT, max_consumers and work-queue rules.
 */

import { deepStrictEqual as eq } from "node:assert/strict";
import { ApiRouter } from "../../../src/jetstream/api.ts";
import { registerConsumerApi } from "../../../src/jetstream/api_consumer.ts";
import { dec, enc, type Fixture, fixture, statusOf } from "./_consumer_fakes.ts";
import type { StreamConfig } from "../../../src/jetstream/types.ts";

type Json = Record<string, unknown>;

interface Api {
  f: Fixture;
  call(subject: string, body?: unknown): Promise<Json>;
  close(): Promise<void>;
}

function api(stream: Partial<StreamConfig> = {}): Api {
  const f = fixture(stream);
  const answers = new Map<string, Uint8Array>();
  const router = new ApiRouter((subject, body) => answers.set(subject, body), () => {});
  registerConsumerApi(router, (name) => (name === "S" ? f.host : null), {
    clock: f.clock,
    messaging: f.m,
  });
  let n = 0;
  return {
    f,
    async call(subject, body = "") {
      const reply = `reply.${++n}`;
      const data = typeof body === "string" ? enc.encode(body) : enc.encode(JSON.stringify(body));
      await router.dispatch({ subject: `$JS.API.${subject}`, reply, headers: null, data });
      const got = answers.get(reply);
      return got === undefined ? {} : JSON.parse(dec.decode(got));
    },
    close: () => f.close(),
  };
}

async function withApi(body: (a: Api) => Promise<void>, stream: Partial<StreamConfig> = {}) {
  const a = api(stream);
  try {
    await body(a);
  } finally {
    await a.close();
  }
}

function errCode(r: Json): number | undefined {
  return (r.error as { err_code: number } | undefined)?.err_code;
}

const create = (config: Json, extra: Json = {}) => ({ stream_name: "S", config, ...extra });

Deno.test("api: the legacy ephemeral form names the consumer and answers its info", async () => {
  await withApi(async ({ call, f }) => {
    const r = await call("CONSUMER.CREATE.S", create({ ack_policy: "explicit" }));
    eq(r.type, "io.nats.jetstream.api.v1.consumer_create_response");
    const name = r.name as string;
    eq(name.length, 8);
    eq((r.config as Json).name, name);
    eq((r.config as Json).inactive_threshold, 5_000_000_000);
    eq(Object.keys(r), [
      "type",
      "stream_name",
      "name",
      "created",
      "config",
      "delivered",
      "ack_floor",
      "num_ack_pending",
      "num_redelivered",
      "num_waiting",
      "num_pending",
      "ts",
    ]);
    eq(f.m.advisories[0].subject, `$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.${name}`);
    eq(errCode(await call("CONSUMER.CREATE.S", create({ durable_name: "D" }))), 10020);
  });
});

Deno.test("api: the named form takes the name and optional filter from the subject", async () => {
  await withApi(async ({ call }) => {
    const r = await call("CONSUMER.CREATE.S.N1", create({ name: "other", ack_policy: "explicit" }));
    eq(r.name, "N1");
    const filtered = await call("CONSUMER.CREATE.S.N2.s.a", create({ filter_subject: "s.a" }));
    eq((filtered.config as Json).filter_subject, "s.a");
    eq(errCode(await call("CONSUMER.CREATE.S.N3.s.a", create({ filter_subject: "s.b" }))), 10131);
    eq(errCode(await call("CONSUMER.CREATE.S.N3.s.a", create({}))), 10131);
    eq(
      errCode(await call("CONSUMER.CREATE.S.N3.s.a", create({ filter_subjects: ["s.a"] }))),
      10137,
    );
    eq(errCode(await call("CONSUMER.CREATE.S.N4", create({ durable_name: "X" }))), 10017);
    const durable = await call("CONSUMER.CREATE.S.D1", create({ durable_name: "D1" }));
    eq((durable.config as Json).durable_name, "D1");
    eq((durable.config as Json).inactive_threshold, undefined);
  });
});

Deno.test("api: DURABLE.CREATE needs the durable name from the subject", async () => {
  await withApi(async ({ call }) => {
    const r = await call("CONSUMER.DURABLE.CREATE.S.D", create({ durable_name: "D" }));
    eq(r.name, "D");
    eq((r.config as Json).name, undefined);
    eq(errCode(await call("CONSUMER.DURABLE.CREATE.S.D", create({}))), 10018);
    eq(errCode(await call("CONSUMER.DURABLE.CREATE.S.D", create({ durable_name: "E" }))), 10017);
  });
});

Deno.test("api: request errors: JSON, stream name, missing stream, bad names", async () => {
  await withApi(async ({ call }) => {
    eq(errCode(await call("CONSUMER.CREATE.S.X", "{bad")), 10025);
    eq(errCode(await call("CONSUMER.CREATE.S.X", "")), 10025);
    eq(errCode(await call("CONSUMER.CREATE.S.X", { stream_name: "T", config: {} })), 10056);
    eq(errCode(await call("CONSUMER.CREATE.S.X", create({}, { action: "upsert" }))), 10025);
    eq(errCode(await call("CONSUMER.CREATE.NOPE.X", { stream_name: "NOPE", config: {} })), 10059);
    eq(errCode(await call("CONSUMER.CREATE.S.a*b", create({}))), 10103);
    eq(errCode(await call("CONSUMER.CREATE.S.X", create({ ack_policy: "bogus" }))), 10025);
    const r = await call(
      "CONSUMER.CREATE.S.X",
      create({ deliver_subject: "d", flow_control: true }),
    );
    eq(r.error, {
      code: 400,
      err_code: 10108,
      description: "consumer with flow control also needs heartbeats",
    });
  });
});

Deno.test("api: actions: create refuses a different config, update needs the consumer", async () => {
  await withApi(async ({ call }) => {
    const cfg = { durable_name: "D", ack_policy: "explicit" };
    eq((await call("CONSUMER.CREATE.S.D", create(cfg, { action: "create" }))).name, "D");
    eq((await call("CONSUMER.CREATE.S.D", create(cfg, { action: "create" }))).name, "D");
    const changed = { ...cfg, max_ack_pending: 5 };
    eq(errCode(await call("CONSUMER.CREATE.S.D", create(changed, { action: "create" }))), 10148);
    const updated = await call("CONSUMER.CREATE.S.D", create(changed, { action: "update" }));
    eq((updated.config as Json).max_ack_pending, 5);
    const other = { durable_name: "E", ack_policy: "explicit" };
    eq(errCode(await call("CONSUMER.CREATE.S.E", create(other, { action: "update" }))), 10149);
    const refused = await call("CONSUMER.CREATE.S.D", create({ ...cfg, ack_policy: "all" }));
    eq(refused.error, { code: 500, err_code: 10012, description: "ack policy can not be updated" });
  });
});

Deno.test("api: INFO, NAMES, LIST and DELETE", async () => {
  await withApi(async ({ call, f }) => {
    for (const n of ["C", "A", "B"]) {
      await call(`CONSUMER.CREATE.S.${n}`, create({ durable_name: n }));
    }
    const names = await call("CONSUMER.NAMES.S");
    eq(names, {
      type: "io.nats.jetstream.api.v1.consumer_names_response",
      total: 3,
      offset: 0,
      limit: 1024,
      consumers: ["A", "B", "C"],
    });
    const list = await call("CONSUMER.LIST.S", { offset: 1 });
    eq([list.total, list.offset, list.limit], [3, 1, 256]);
    eq((list.consumers as Json[]).map((c) => c.name), ["B", "C"]);
    const info = await call("CONSUMER.INFO.S.B");
    eq([info.type, info.name, info.stream_name], [
      "io.nats.jetstream.api.v1.consumer_info_response",
      "B",
      "S",
    ]);
    eq(errCode(await call("CONSUMER.INFO.S.B", "x")), 10038);
    eq(errCode(await call("CONSUMER.INFO.S.Z")), 10014);
    eq(errCode(await call("CONSUMER.INFO.T.B")), 10059);
    eq(await call("CONSUMER.DELETE.S.B"), {
      type: "io.nats.jetstream.api.v1.consumer_delete_response",
      success: true,
    });
    eq(errCode(await call("CONSUMER.INFO.S.B")), 10014);
    eq(errCode(await call("CONSUMER.DELETE.S.B")), 10014);
    eq(f.m.advisories.at(-1)!.subject, "$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.B");
  });
});

Deno.test("api: MSG.NEXT reaches the consumer; an unknown one answers no responders", async () => {
  await withApi(async ({ call, f }) => {
    await f.host.publish("s.a", "hi");
    await call("CONSUMER.CREATE.S.P", create({ durable_name: "P", ack_policy: "explicit" }));
    f.m.interest.add("reply.>");
    await call("CONSUMER.MSG.NEXT.S.P", "");
    await f.clock.advance(1);
    // The router numbered this request reply.2.
    eq(dec.decode(f.m.deliveries("reply.2")[0].data), "hi");
    await call("CONSUMER.MSG.NEXT.S.NOPE", "");
    await call("CONSUMER.MSG.NEXT.T.P", "");
    eq(statusOf(f.m.to("reply.3")[0]).code, 503);
    eq(statusOf(f.m.to("reply.4")[0]).code, 503);
  });
});

Deno.test("api: max_consumers is enforced", async () => {
  await withApi(async ({ call }) => {
    await call("CONSUMER.CREATE.S.A", create({ durable_name: "A" }));
    eq(errCode(await call("CONSUMER.CREATE.S.B", create({ durable_name: "B" }))), 10026);
    // Updating an existing one is not a new consumer.
    eq(
      (await call("CONSUMER.CREATE.S.A", create({ durable_name: "A", description: "x" }))).name,
      "A",
    );
  }, { max_consumers: 1 });
});

Deno.test("api: work queues need explicit acks, deliver all and disjoint filters", async () => {
  await withApi(async ({ call }) => {
    const wq = (name: string, cfg: Json) =>
      call(
        `CONSUMER.CREATE.S.${name}`,
        create({ durable_name: name, ack_policy: "explicit", ...cfg }),
      );
    eq(errCode(await wq("A", { ack_policy: "all" })), 10098);
    eq(errCode(await wq("A", { deliver_policy: "new" })), 10101);
    eq((await wq("A", { filter_subject: "s.a" })).name, "A");
    eq(errCode(await wq("B", {})), 10099);
    eq(errCode(await wq("B", { filter_subject: "s.*" })), 10100);
    eq((await wq("B", { filter_subject: "s.b" })).name, "B");
  }, { retention: "workqueue" });
});

Deno.test("api: concurrent creates of one name make one consumer", async () => {
  await withApi(async ({ call, f }) => {
    const cfg = create({ durable_name: "D", ack_policy: "explicit" });
    const [a, b] = await Promise.all([
      call("CONSUMER.CREATE.S.D", cfg),
      call("CONSUMER.CREATE.S.D", cfg),
    ]);
    eq([a.name, b.name], ["D", "D"]);
    eq(a.created, b.created);
    eq(f.host.consumers.size, 1);
  });
});
