import assert from "node:assert/strict";
import { JETSTREAM_DENY, SubjectDenyList } from "../../../src/cluster/leaf_filter.ts";

const enc = new TextEncoder();

function deniesBytes(list: SubjectDenyList, subject: string): boolean {
  const b = enc.encode(`xx${subject}yy`);
  return list.deniesBytes(b, 2, 2 + subject.length);
}

Deno.test("deny list: literal and wildcard subjects inside a pattern are denied", () => {
  const list = new SubjectDenyList(["secret.>", "private.*"]);
  for (const s of ["secret.a", "secret.a.b", "secret.*", "private.x", "private.*"]) {
    assert.ok(list.denies(s), s);
    assert.ok(deniesBytes(list, s), s);
  }
  for (const s of ["secret", "private.x.y", "private.>", "public.a", ">"]) {
    assert.ok(!list.denies(s), s);
    assert.ok(!deniesBytes(list, s), s);
  }
});

Deno.test("deny list: patterns starting with a wildcard disable the first-byte shortcut", () => {
  const list = new SubjectDenyList(["*.secret"]);
  assert.ok(deniesBytes(list, "a.secret"));
  assert.ok(!deniesBytes(list, "a.public"));
});

Deno.test("deny list: JetStream's API, KV and object store stay on their side", () => {
  const list = new SubjectDenyList(["mine.>"]).with(JETSTREAM_DENY);
  for (const s of ["$JS.API.STREAM.INFO.x", "$KV.bucket.key", "$OBJ.store.chunk", "mine.a"]) {
    assert.ok(deniesBytes(list, s), s);
  }
  assert.ok(!deniesBytes(list, "$JS.ACK.stream.consumer.1.2.3.4.5"), "acks still cross");
  assert.ok(new SubjectDenyList([]).with([]).empty);
});
