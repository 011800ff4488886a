/**
 * Error classes for configuration: `ConfigError` for the config file (syntax and values, always
 * naming file:line:col) and `FlagError` for the command line (texts follow Go's `flag` package,
 * which nats-server uses, e.g. `flag provided but not defined: -foo`).
 */

/** A problem in a configuration file; `message` starts with `file:line:col`. */
export class ConfigError extends SyntaxError {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly col: number;
  /** The configuration key involved, when there is one. */
  readonly key?: string;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(file: string, line: number, col: number, detail: string, key?: string) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = "ConfigError";
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = detail;
    if (key !== undefined) this.key = key;
  }
}

/** A bad command line: unknown flag, missing or malformed value, stray argument. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}
