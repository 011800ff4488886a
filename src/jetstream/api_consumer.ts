/**
 * The consumer endpoints of the JetStream API: CONSUMER.CREATE (legacy ephemeral
 * `CONSUMER.CREATE.<stream>` and the 2.9 named form `CONSUMER.CREATE.<stream>.<consumer>
 * [.<filter>]`), CONSUMER.DURABLE.CREATE, DELETE, INFO, LIST, NAMES and MSG.NEXT (pull
 * requests, answered by the consumer with messages and statuses). Request checks happen in
 * nats-server's order, with its err_codes.
 */
import {
  apiError,
  JSConsumerCreateFilterSubjectMismatchErr,
  JSConsumerDurableNameNotMatchSubjectErr,
  JSConsumerDurableNameNotSetErr,
  JSConsumerEphemeralWithDurableNameErr,
  JSConsumerMultipleFiltersNotAllowed,
  JSConsumerNameContainsPathSeparatorsErr,
  JSConsumerNotFoundErr,
  JSInvalidJSONErr,
  JSNotEmptyRequestErr,
  JSStreamMismatchErr,
  JSStreamNotFoundErr,
} from "./api_errors.ts";
import type { ApiHandler, ApiRequest, JsMessaging } from "./types.ts";
import { decodeConsumerConfig } from "./consumer_config_json.ts";
import type { Consumer, ConsumerOptions, StreamConsumerHost } from "./consumer.ts";
import { type ConsumerAction, createConsumer, lookupConsumer } from "./consumer_create.ts";
import { NO_RESPONDERS } from "./consumer_status.ts";
import { decodeUtf8 } from "../util/bytes.ts";

export type { StreamConsumerHost } from "./consumer.ts";
export { restoreConsumers } from "./consumer_create.ts";

/** Page sizes of CONSUMER.LIST and CONSUMER.NAMES (nats-server's JSApiListLimit, NamesLimit). */
export const LIST_LIMIT = 256;
export const NAMES_LIMIT = 1024;

export interface ApiRegistry {
  register(pattern: string, type: string, handler: ApiHandler): void;
}

export interface ConsumerApiOptions extends ConsumerOptions {
  /**
   * The account's messaging, to answer a pull request for a stream that does not exist the way
   * nats-server does (a no-responders status). Without it such requests get no answer.
   */
  messaging?: JsMessaging;
}

type StreamLookup = (stream: string) => StreamConsumerHost | null;

interface CreateRequest {
  stream_name?: unknown;
  config?: unknown;
  action?: unknown;
}

function parseAction(v: unknown): ConsumerAction {
  if (v === undefined || v === null || v === "") return "";
  if (v === "create" || v === "update") return v;
  throw apiError(JSInvalidJSONErr, { err: `unknown consumer action: ${JSON.stringify(v)}` });
}

/** nats-server's isEmptyRequest: no body, or an empty JSON object. */
function isEmptyRequest(data: Uint8Array): boolean {
  if (data.length === 0) return true;
  const text = decodeUtf8(data).trim();
  if (text === "") return true;
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
  } catch {
    return false;
  }
}

function offsetOf(req: ApiRequest): number {
  const body = req.json<{ offset?: unknown }>();
  const offset = body?.offset;
  return typeof offset === "number" && Number.isInteger(offset) && offset > 0 ? offset : 0;
}

function sortedConsumers(host: StreamConsumerHost): Consumer[] {
  const out: Consumer[] = [];
  for (const name of host.consumers.keys()) {
    const c = lookupConsumer(host, name);
    if (c !== null) out.push(c);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function registerConsumerApi(
  router: ApiRegistry,
  streams: StreamLookup,
  opts: ConsumerApiOptions = {},
): void {
  const hostOf = (name: string): StreamConsumerHost => {
    const host = streams(name);
    if (host === null) throw apiError(JSStreamNotFoundErr);
    return host;
  };

  const create = async (req: ApiRequest, durableForm: boolean) => {
    const t = req.tokens;
    // After `$JS.API.`: CONSUMER.CREATE.<s>[.<c>[.<filter…>]] or CONSUMER.DURABLE.CREATE.<s>.<c>
    const stream = durableForm ? t[3] : t[2];
    const consumerName = durableForm ? t[4] : t[3] ?? "";
    const filter = durableForm ? "" : t.slice(4).join(".");
    const body = req.json<CreateRequest>();
    if (body === null) throw apiError(JSInvalidJSONErr, { err: "unexpected end of JSON input" });
    if (body.stream_name !== stream) throw apiError(JSStreamMismatchErr);
    const action = parseAction(body.action);
    const cfg = decodeConsumerConfig(body.config);
    if (consumerName !== "" && /[\\/]/.test(consumerName)) {
      throw apiError(JSConsumerNameContainsPathSeparatorsErr);
    }
    if (durableForm) {
      if (cfg.durable_name === "") throw apiError(JSConsumerDurableNameNotSetErr);
      if (cfg.durable_name !== consumerName) {
        throw apiError(JSConsumerDurableNameNotMatchSubjectErr);
      }
    } else if (consumerName !== "") {
      if (cfg.durable_name !== "" && cfg.durable_name !== consumerName) {
        throw apiError(JSConsumerDurableNameNotMatchSubjectErr);
      }
      cfg.name = consumerName;
    } else if (cfg.durable_name !== "") {
      throw apiError(JSConsumerEphemeralWithDurableNameErr);
    }
    if (filter !== "") {
      if (cfg.filter_subjects.length > 0) throw apiError(JSConsumerMultipleFiltersNotAllowed);
      if (cfg.filter_subject !== filter) throw apiError(JSConsumerCreateFilterSubjectMismatchErr);
    }
    const consumer = await createConsumer(hostOf(stream), cfg, action, opts);
    return consumer.info();
  };

  const consumerOf = (req: ApiRequest): Consumer => {
    const host = hostOf(req.tokens[2]);
    const c = lookupConsumer(host, req.tokens[3]);
    if (c === null) throw apiError(JSConsumerNotFoundErr);
    return c;
  };

  router.register("CONSUMER.CREATE.*", "consumer_create", (req) => create(req, false));
  router.register("CONSUMER.CREATE.*.>", "consumer_create", (req) => create(req, false));
  router.register("CONSUMER.DURABLE.CREATE.*.*", "consumer_create", (req) => create(req, true));

  router.register("CONSUMER.INFO.*.*", "consumer_info", (req) => {
    if (!isEmptyRequest(req.data)) throw apiError(JSNotEmptyRequestErr);
    return consumerOf(req).info();
  });

  router.register("CONSUMER.DELETE.*.*", "consumer_delete", async (req) => {
    if (!isEmptyRequest(req.data)) throw apiError(JSNotEmptyRequestErr);
    await consumerOf(req).delete();
    return { success: true };
  });

  router.register("CONSUMER.LIST.*", "consumer_list", (req) => {
    const offset = offsetOf(req);
    const all = sortedConsumers(hostOf(req.tokens[2]));
    const from = Math.min(offset, all.length);
    return {
      total: all.length,
      offset: from,
      limit: LIST_LIMIT,
      consumers: all.slice(from, from + LIST_LIMIT).map((c) => c.info()),
    };
  });

  router.register("CONSUMER.NAMES.*", "consumer_names", (req) => {
    const offset = offsetOf(req);
    const all = sortedConsumers(hostOf(req.tokens[2]));
    const from = Math.min(offset, all.length);
    return {
      total: all.length,
      offset: from,
      limit: NAMES_LIMIT,
      consumers: all.slice(from, from + NAMES_LIMIT).map((c) => c.name),
    };
  });

  router.register("CONSUMER.MSG.NEXT.*.*", "consumer_getnext", (req) => {
    if (req.reply === "") return null;
    const host = streams(req.tokens[3]);
    const consumer = host === null ? null : lookupConsumer(host, req.tokens[4]);
    if (consumer !== null) {
      consumer.processPullRequest(req.reply, req.data);
    } else {
      // nats-server has no subscriber there: the requester hears "no responders".
      const m = host?.messaging ?? opts.messaging;
      m?.publish(req.reply, null, NO_RESPONDERS, new Uint8Array(0));
    }
    return null;
  });
}
