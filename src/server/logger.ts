/**
 * Logging in nats-server's line format: `[pid] 2006/01/02 15:04:05.000000 [INF] message`.
 * Levels: error, warn, notice/info, debug (-D), trace (-V).
 */

export type LogLevel = "FTL" | "ERR" | "WRN" | "INF" | "DBG" | "TRC";

export interface LoggerOptions {
  pid: number;
  debug: boolean;
  trace: boolean;
  logtime: boolean;
  write: (line: string) => void;
}

export class Logger {
  debugEnabled: boolean;
  traceEnabled: boolean;
  logtime: boolean;
  #opts: LoggerOptions;

  constructor(opts: LoggerOptions) {
    this.#opts = opts;
    this.debugEnabled = opts.debug;
    this.traceEnabled = opts.trace;
    this.logtime = opts.logtime;
  }

  /** Where lines go; swapped when the log file changes on reload. */
  set write(write: (line: string) => void) {
    this.#opts.write = write;
  }

  fatal(msg: string): void {
    this.#log("FTL", msg);
  }
  error(msg: string): void {
    this.#log("ERR", msg);
  }
  warn(msg: string): void {
    this.#log("WRN", msg);
  }
  info(msg: string): void {
    this.#log("INF", msg);
  }
  debug(msg: string): void {
    if (this.debugEnabled) this.#log("DBG", msg);
  }
  trace(msg: string): void {
    if (this.traceEnabled) this.#log("TRC", msg);
  }

  #log(level: LogLevel, msg: string): void {
    const time = this.logtime ? `${formatLogTime(new Date())} ` : "";
    this.#opts.write(`[${this.#opts.pid}] ${time}[${level}] ${msg}\n`);
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** `2006/01/02 15:04:05.000000` in local time, as Go's log package prints with microseconds. */
export function formatLogTime(d: Date): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1, 2)}/${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.` +
    `${pad(d.getMilliseconds() * 1000, 6)}`;
}
