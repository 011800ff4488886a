import assert from "node:assert/strict";
import { defaultConnectOptions, parseConnectOptions } from "../../../src/conn/connect_options.ts";

Deno.test("CONNECT: before CONNECT, verbose, pedantic and echo are on (as in nats-server)", () => {
  const d = defaultConnectOptions();
  assert.equal(d.verbose, true);
  assert.equal(d.pedantic, true);
  assert.equal(d.echo, true);
  assert.equal(d.headers, false);
});

Deno.test("CONNECT: fields the client omits keep their previous value", () => {
  const o = parseConnectOptions('{"pedantic":false,"name":"app"}', defaultConnectOptions());
  assert.equal(o.verbose, true);
  assert.equal(o.pedantic, false);
  assert.equal(o.name, "app");
  const again = parseConnectOptions('{"verbose":false}', o);
  assert.equal(again.name, "app");
  assert.equal(again.verbose, false);
});

Deno.test("CONNECT: reads every field nats.go sends", () => {
  const o = parseConnectOptions(
    JSON.stringify({
      verbose: false,
      pedantic: false,
      user: "u",
      pass: "p",
      auth_token: "t",
      tls_required: false,
      name: "n",
      lang: "go",
      version: "1.37.0",
      protocol: 1,
      echo: false,
      headers: true,
      no_responders: true,
      nkey: "UA",
      sig: "s",
      jwt: "j",
    }),
    defaultConnectOptions(),
  );
  assert.deepEqual(
    [o.user, o.pass, o.authToken, o.name, o.lang, o.version, o.protocol, o.nkey, o.sig, o.jwt],
    ["u", "p", "t", "n", "go", "1.37.0", 1, "UA", "s", "j"],
  );
  assert.equal(o.echo, false);
  assert.equal(o.headers, true);
  assert.equal(o.noResponders, true);
});

for (const bad of ["", "{bad", "[]", "null", '"x"', '{"verbose":"yes"}', '{"protocol":"1"}']) {
  Deno.test(`CONNECT: ${JSON.stringify(bad)} is rejected`, () => {
    assert.throws(() => parseConnectOptions(bad, defaultConnectOptions()), SyntaxError);
  });
}
