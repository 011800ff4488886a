/**
 * Where log lines go: stderr, or a file (`-l`, `log_file`) that SIGUSR1 reopens so logrotate
 * can move it away. File writes are appended in order; `close()` waits for them.
 */
import type { FileHandle, Platform } from "../platform/types.ts";

export interface LogSink {
  write(line: string): void;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export function stderrSink(platform: Platform): LogSink {
  return {
    write: (line) => platform.writeStderr(line),
    reopen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

export class FileLogSink implements LogSink {
  readonly path: string;
  #platform: Platform;
  #file: FileHandle | null = null;
  #position = 0;
  /** Lines wait here while the file is being (re)opened; then they are written in order. */
  #queue: string[] = [];
  #pending: Promise<void> = Promise.resolve();
  #encoder = new TextEncoder();

  private constructor(platform: Platform, path: string) {
    this.#platform = platform;
    this.path = path;
  }

  static async open(platform: Platform, path: string): Promise<FileLogSink> {
    const sink = new FileLogSink(platform, path);
    await sink.#openFile();
    return sink;
  }

  async #openFile(): Promise<void> {
    this.#file = await this.#platform.fs.open(this.path, { create: true });
    this.#position = await this.#file.size();
  }

  write(line: string): void {
    this.#queue.push(line);
    if (this.#queue.length === 1) this.#pending = this.#pending.then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && this.#file !== null) {
      const bytes = this.#encoder.encode(this.#queue.join(""));
      this.#queue = [];
      const at = this.#position;
      this.#position += bytes.length;
      try {
        await this.#file.writeAt(bytes, at);
      } catch (err) {
        this.#platform.writeStderr(`skiff: cannot write log file ${this.path}: ${err}\n`);
      }
    }
  }

  reopen(): Promise<void> {
    this.#pending = this.#pending.then(async () => {
      await this.#file?.close();
      await this.#openFile();
      await this.#drain();
    });
    return this.#pending;
  }

  close(): Promise<void> {
    this.#pending = this.#pending.then(async () => {
      await this.#drain();
      await this.#file?.close();
      this.#file = null;
    });
    return this.#pending;
  }
}
