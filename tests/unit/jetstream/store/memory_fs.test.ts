/**
 * The crash model of the in-memory FileSystem (src/platform/memory_fs.ts): what survives a power
 * loss, a process kill, torn writes, and the damage and fault helpers.
 */

import assert from "node:assert/strict";
import { MemoryFileSystem } from "../../../../src/platform/memory_fs.ts";
import { dec, enc, prng } from "./_harness.ts";

async function setup() {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/d");
  await fs.syncDir("/");
  return fs;
}

Deno.test("memory fs: unsynced writes are lost in a power loss, synced ones survive", async () => {
  const fs = await setup();
  const f = await fs.open("/d/a", { create: true });
  await fs.syncDir("/d");
  await f.writeAt(enc.encode("durable"), 0);
  await f.sync();
  await f.writeAt(enc.encode("-volatile"), 7);
  assert.equal(dec.decode(await fs.readFile("/d/a")), "durable-volatile");
  fs.crash();
  assert.equal(dec.decode(await fs.readFile("/d/a")), "durable");
  await assert.rejects(() => f.writeAt(enc.encode("x"), 0), /before a crash/);
});

Deno.test("memory fs: a new file's name needs a directory sync to survive", async () => {
  const fs = await setup();
  const f = await fs.open("/d/new", { create: true });
  await f.writeAt(enc.encode("data"), 0);
  await f.sync();
  fs.crash();
  assert.equal(await fs.stat("/d/new"), null);
});

Deno.test("memory fs: rename is atomic and durable only after a directory sync", async () => {
  const fs = await setup();
  await fs.writeFile("/d/x", enc.encode("old"));
  await fs.syncDir("/d");
  await fs.writeFile("/d/x.tmp", enc.encode("new"));
  await fs.rename("/d/x.tmp", "/d/x");
  fs.crash();
  assert.equal(dec.decode(await fs.readFile("/d/x")), "old");
  await fs.writeFile("/d/x.tmp", enc.encode("new"));
  await fs.rename("/d/x.tmp", "/d/x");
  await fs.syncDir("/d");
  fs.crash();
  assert.equal(dec.decode(await fs.readFile("/d/x")), "new");
  assert.deepEqual(await fs.readDir("/d"), ["x"]);
});

Deno.test("memory fs: a directory whose own entry was never synced vanishes with its files", async () => {
  const fs = new MemoryFileSystem();
  await fs.mkdir("/a/b");
  await fs.syncDir("/a");
  await fs.writeFile("/a/b/f", enc.encode("x"));
  await fs.syncDir("/a/b");
  fs.crash();
  assert.equal(await fs.stat("/a"), null);
  assert.equal(await fs.stat("/a/b/f"), null);
});

Deno.test("memory fs: with an rng, a prefix of unsynced writes survives and the next is torn", async () => {
  let sawPrefix = false;
  let sawTorn = false;
  for (let seed = 1; seed <= 40; seed++) {
    const fs = await setup();
    const f = await fs.open("/d/log", { create: true });
    await fs.syncDir("/d");
    for (let i = 0; i < 5; i++) await f.writeAt(enc.encode(`[${i}]`), i * 3);
    fs.crash({ rng: prng(seed), tornWrites: true });
    const text = dec.decode(await fs.readFile("/d/log"));
    assert.ok("[0][1][2][3][4]".startsWith(text), `not a prefix: ${text}`);
    if (text.length % 3 === 0 && text.length > 0) sawPrefix = true;
    if (text.length % 3 !== 0) sawTorn = true;
  }
  assert.ok(sawPrefix && sawTorn);
});

Deno.test("memory fs: a process kill keeps everything, but old handles and mounts die", async () => {
  const fs = await setup();
  const mount = fs.mount();
  const f = await mount.open("/d/a", { create: true });
  await f.writeAt(enc.encode("kept"), 0);
  fs.crash({ kind: "process" });
  assert.equal(dec.decode(await fs.readFile("/d/a")), "kept");
  await assert.rejects(() => mount.stat("/d/a"), /before a crash/);
  await assert.rejects(() => f.readAt(new Uint8Array(1), 0), /before a crash/);
});

Deno.test("memory fs: damage helpers change both images; failNext injects one error", async () => {
  const fs = await setup();
  await fs.writeFile("/d/f", enc.encode("abcdef"));
  await fs.syncDir("/d");
  fs.flipBit("/d/f", 0, 0);
  fs.truncateFile("/d/f", 4);
  fs.crash();
  assert.equal(dec.decode(await fs.readFile("/d/f")), "`bcd");
  fs.failNext("sync");
  const h = await fs.open("/d/f", { create: false });
  await assert.rejects(() => h.sync(), /injected sync failure/);
  await h.sync();
});
