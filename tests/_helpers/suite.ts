/**
 * Test structure for e2e files: one server process shared by the steps of a suite, or one
 * server per test when its configuration differs. Failures carry the server's recent output.
 */

import { annotate, type ServerProcess, startServer, writeConfig } from "./server.ts";
import { RawClient } from "./raw_client.ts";

export interface ServerOptions {
  /** Extra command-line arguments after `-a <host> -p <port>`. */
  args?: string[];
  /** nats-server config file text; written to a temp dir and passed with `-c`. */
  config?: string;
}

export interface TestOptions extends ServerOptions {
  /** Only for tests whose client library leaves timers or sockets behind; say why. */
  sanitizeOps?: boolean;
  sanitizeResources?: boolean;
  ignore?: boolean;
}

type Body = (srv: ServerProcess) => Promise<void>;

/** Start a server as configured, run `body`, always stop the server and remove the config. */
export async function runWithServer(opts: ServerOptions, body: Body): Promise<void> {
  const cfg = opts.config === undefined ? undefined : await writeConfig(opts.config);
  try {
    const args = [...(opts.args ?? []), ...(cfg ? ["-c", cfg.path] : [])];
    const srv = await startServer(args);
    try {
      await body(srv);
    } catch (err) {
      throw annotate(err, srv);
    } finally {
      await srv.stop();
    }
  } finally {
    await cfg?.cleanup();
  }
}

/** A Deno test with its own server process. */
export function serverTest(name: string, opts: TestOptions, body: Body): void {
  Deno.test({
    name,
    ignore: opts.ignore,
    sanitizeOps: opts.sanitizeOps ?? true,
    sanitizeResources: opts.sanitizeResources ?? true,
    fn: () => runWithServer(opts, body),
  });
}

/**
 * A suite: one server process for all its cases, each case a test step. Register cases with
 * `test(name, body)` inside `define`; they run in order against the same server.
 */
export function serverSuite(
  name: string,
  opts: TestOptions,
  define: (test: (name: string, body: Body, caseOpts?: { ignore?: boolean }) => void) => void,
): void {
  const cases: { name: string; body: Body; ignore?: boolean }[] = [];
  define((caseName, body, caseOpts) => cases.push({ name: caseName, body, ...caseOpts }));
  Deno.test({
    name,
    ignore: opts.ignore,
    sanitizeOps: opts.sanitizeOps ?? true,
    sanitizeResources: opts.sanitizeResources ?? true,
    fn: (t) =>
      runWithServer(opts, async (srv) => {
        // A failed step fails this test; later steps still run against the same server.
        for (const c of cases) {
          await t.step({
            name: c.name,
            ignore: c.ignore,
            fn: async () => {
              try {
                await c.body(srv);
              } catch (err) {
                throw annotate(err, srv);
              }
            },
          });
        }
      }),
  });
}

/**
 * Prove the server still serves other clients: a fresh subscriber and publisher do a pub/sub
 * round trip. Used after every error case.
 */
export async function assertServerWorks(port: number): Promise<void> {
  await using sub = await RawClient.open(port);
  await using pub = await RawClient.open(port);
  await sub.send("SUB alive.check 1\r\n");
  await sub.barrier();
  await pub.send("PUB alive.check 2\r\nok\r\n");
  await sub.expect(/^MSG alive\.check 1 2\r\nok\r\n/);
}
