/** An in-memory `Conn` for unit tests: records writes, and lets a test hold writes open. */
import type { Conn, NetAddr } from "../../../src/platform/types.ts";

export class FakeConn implements Conn {
  readonly remoteAddr: NetAddr = { hostname: "127.0.0.1", port: 50000 };
  readonly localAddr: NetAddr = { hostname: "127.0.0.1", port: 4222 };
  written: Uint8Array[] = [];
  closed = false;
  /** When set, writes wait until `release()` is called. */
  holdWrites = false;
  #held: (() => void)[] = [];

  read(_buf: Uint8Array): Promise<number | null> {
    return Promise.resolve(null);
  }
  write(data: Uint8Array): Promise<void> {
    this.written.push(data.slice());
    if (!this.holdWrites) return Promise.resolve();
    return new Promise((resolve) => this.#held.push(resolve));
  }
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const r of held) r();
  }
  close(): void {
    this.closed = true;
  }
  setNoDelay(_on: boolean): void {}
  text(): string {
    return this.written.map((b) => new TextDecoder().decode(b)).join("");
  }
}
