/**
 * The pid file and the ports file (`<dir>/<exe>_<pid>.ports`, JSON of the listening URLs),
 * which client test harnesses read to find a server started on a random port. Skiff adds the
 * leaf node port (`leafnode`), which nats-server 2.9 leaves out.
 */
import type { Platform } from "../platform/types.ts";
import type { Server } from "./server.ts";

/** Writes the files the options ask for; returns a function that removes them. */
export async function writeRuntimeFiles(
  server: Server,
  platform: Platform,
): Promise<() => Promise<void>> {
  const written: string[] = [];
  const o = server.options;
  if (o.pidFile) {
    await platform.writeTextFile(o.pidFile, String(platform.pid));
    written.push(o.pidFile);
  }
  if (o.portsFileDir) {
    const { port } = server.addr;
    const ports: { nats: string[]; monitoring?: string[]; leafnode?: string[] } = {
      nats: [`nats://${connectHost(o.host)}:${port}`],
    };
    const httpPort = server.boundPorts.http;
    if (httpPort !== 0) ports.monitoring = [`http://${connectHost(o.httpHost)}:${httpPort}`];
    const leaf = server.leafAddr;
    if (leaf !== null) ports.leafnode = [`nats-leaf://${connectHost(leaf.hostname)}:${leaf.port}`];
    const path = `${o.portsFileDir.replace(/\/$/, "")}/skiff_${platform.pid}.ports`;
    await platform.writeTextFile(path, JSON.stringify(ports));
    written.push(path);
  }
  return async () => {
    for (const path of written) await platform.removeFile(path).catch(() => {});
  };
}

/** A host to connect to for a listen address: the wildcard addresses mean this machine. */
function connectHost(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
