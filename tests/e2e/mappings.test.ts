/**
 * Subject mappings from the config file, applied to what clients publish before routing:
 * literal renames, wildcard reordering, partitions and weighted splits.
 */

import assert from "node:assert/strict";
import { RawClient } from "../_helpers/raw_client.ts";
import { serverTest } from "../_helpers/suite.ts";
import { parseMsgs } from "../_helpers/wire.ts";

const CONFIG = `
mappings {
  orders.placed: orders.created
  "bar.*.*": "baz.{{wildcard(2)}}.{{wildcard(1)}}"
  "legacy.*.*": "modern.$2.$1"
  "neworders.*": "neworders.{{wildcard(1)}}.{{partition(3,1)}}"
  "split": [ { destination: "split.a", weight: 50% }, { destination: "split.b", weight: 50% } ]
  "kept": [ { destination: "kept.mapped", weight: 0% } ]
  "lossy.>": [ { destination: "lossy.>", weight: 0% } ]
}
`;

serverTest(
  "mappings: published subjects are rewritten before routing",
  { config: CONFIG },
  async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.handshake();
    await c.send("SUB orders.* 1\r\nSUB baz.> 2\r\nSUB modern.> 3\r\nSUB neworders.*.* 4\r\n");
    await c.send("PUB orders.placed 2\r\nhi\r\nPUB bar.a.b 0\r\n\r\nPUB legacy.x.y 0\r\n\r\n");
    for (let i = 1; i <= 6; i++) await c.send(`PUB neworders.customerid${i} 0\r\n\r\n`);
    const msgs = parseMsgs(await c.barrier());
    assert.deepEqual(msgs.map((m) => `${m.subject} ${m.sid}`), [
      "orders.created 1",
      "baz.b.a 2",
      "modern.y.x 3",
      // The partitions the NATS documentation lists for these subjects.
      "neworders.customerid1.0 4",
      "neworders.customerid2.2 4",
      "neworders.customerid3.1 4",
      "neworders.customerid4.2 4",
      "neworders.customerid5.1 4",
      "neworders.customerid6.0 4",
    ]);
    assert.equal(msgs[0].payload, "hi");
  },
);

serverTest(
  "mappings: weights split traffic; the rest keeps its subject unless a destination is the source",
  { config: CONFIG },
  async (srv) => {
    await using c = await RawClient.connect(srv.port);
    await c.handshake();
    await c.send("SUB split.* 1\r\nSUB kept.> 2\r\nSUB kept 3\r\nSUB lossy.> 4\r\n");
    await c.send(
      "PUB split 0\r\n\r\n".repeat(400) + "PUB kept 0\r\n\r\n".repeat(20) +
        "PUB lossy.x 0\r\n\r\n".repeat(20),
    );
    const msgs = parseMsgs(await c.barrier());
    const a = msgs.filter((m) => m.subject === "split.a").length;
    const b = msgs.filter((m) => m.subject === "split.b").length;
    assert.equal(a + b, 400);
    assert.ok(a > 120 && b > 120, `a=${a} b=${b}`);
    assert.equal(msgs.filter((m) => m.subject === "kept").length, 20);
    assert.equal(msgs.filter((m) => m.subject.startsWith("lossy")).length, 0);
  },
);
