/**
 * The JetStream API router: one table of `$JS.API.` subject patterns to small handlers. A
 * handler's result becomes the JSON response with nats-server's `type`; a thrown ApiError
 * becomes `{"type":…,"error":{…}}`; anything else thrown is logged and answered as a 500,
 * never silence and never a crashed server.
 */
import type { InboundMsg } from "../conn/internal.ts";
import { decodeUtf8, encodeUtf8 } from "../util/bytes.ts";
import { ApiError, apiError, JSInvalidJSONErr } from "./api_errors.ts";
import type { ApiHandler, ApiRequest } from "./types.ts";
import { matchSubject } from "../subject/subject.ts";

export const API_PREFIX = "$JS.API.";
const TYPE_PREFIX = "io.nats.jetstream.api.v1.";

interface Route {
  readonly pattern: string;
  readonly type: string;
  readonly handler: ApiHandler;
}

export interface ApiStats {
  total: number;
  errors: number;
}

export class ApiRouter {
  readonly stats: ApiStats = { total: 0, errors: 0 };
  #routes: Route[] = [];
  #reply: (subject: string, body: Uint8Array) => void;
  #logError: (text: string) => void;
  /** Publishes the `$JS.EVENT.ADVISORY.API` audit event for each request. */
  #audit: ((event: Record<string, unknown>) => void) | null;

  constructor(
    reply: (subject: string, body: Uint8Array) => void,
    logError: (text: string) => void,
    audit: ((event: Record<string, unknown>) => void) | null = null,
  ) {
    this.#reply = reply;
    this.#logError = logError;
    this.#audit = audit;
  }

  /**
   * `pattern` is matched against the tokens after `$JS.API.`: `*` is one token, a final `>`
   * one or more. `type` is the response type without prefix and suffix (e.g. `stream_create`).
   */
  register(pattern: string, type: string, handler: ApiHandler): void {
    this.#routes.push({ pattern, type, handler });
  }

  /** Handles one request; safe to call for any subject under `$JS.API.>`. */
  async dispatch(msg: InboundMsg): Promise<void> {
    const rest = msg.subject.slice(API_PREFIX.length);
    const route = this.#routes.find((r) => matchSubject(rest, r.pattern));
    if (route === undefined) return; // unknown API subjects get no answer, as in nats-server
    const type = `${TYPE_PREFIX}${route.type}_response`;
    let body: Record<string, unknown> | null;
    try {
      body = await route.handler(requestOf(msg, rest.split(".")));
    } catch (err) {
      this.stats.errors++;
      const error = err instanceof ApiError ? err : this.#internal(msg.subject, err);
      body = { error: error.toJSON() };
    }
    // Handlers that answer by themselves (pull requests) are neither counted nor audited,
    // as in nats-server.
    if (body === null) return;
    this.stats.total++;
    const response = JSON.stringify({ type, ...body });
    if (msg.reply !== "") this.#reply(msg.reply, encodeUtf8(response));
    this.#audit?.({
      type: "io.nats.jetstream.advisory.v1.api_audit",
      subject: msg.subject,
      request: decodeUtf8(msg.data),
      response,
    });
  }

  #internal(subject: string, err: unknown): ApiError {
    this.#logError(
      `JetStream API ${subject}: ${err instanceof Error ? err.stack ?? err.message : err}`,
    );
    const e = new ApiError({ code: 500, errCode: 10051, description: "{err}" }, {
      err: err instanceof Error ? err.message : String(err),
    });
    return e;
  }
}

function requestOf(msg: InboundMsg, tokens: readonly string[]): ApiRequest {
  let parsed: unknown = undefined;
  return {
    subject: msg.subject,
    tokens,
    reply: msg.reply,
    headers: msg.headers,
    data: msg.data,
    json<T>(): T | null {
      if (parsed !== undefined) return parsed as T | null;
      const text = decodeUtf8(msg.data).trim();
      if (text === "") return parsed = null;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw apiError(JSInvalidJSONErr, { err: (err as Error).message });
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw apiError(JSInvalidJSONErr, { err: "expected a JSON object" });
      }
      return parsed as T;
    },
  };
}
