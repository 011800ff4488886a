/**
 * The stream endpoints of the JetStream API (`$JS.API.STREAM.…` and `$JS.API.INFO`), one small
 * function each, answering with nats-server's JSON.
 */
import { encodeBase64 } from "../util/base64.ts";
import { rfc3339Nano } from "../util/time.ts";
import { subjectIsSubsetOf, subjectsCollide } from "../subject/subject.ts";
import type { ApiRouter } from "./api.ts";
import {
  apiError,
  JSBadRequestErr,
  JSNoMessageFoundErr,
  JSStreamCreateErrF,
  JSStreamMismatchErr,
  JSStreamMsgDeleteFailedF,
  JSStreamNameExistErr,
  JSStreamNotFoundErr,
  JSStreamPurgeFailedF,
  JSStreamSubjectOverlapErr,
} from "./api_errors.ts";
import type { JsAccount } from "./js_account.ts";
import { checkStreamLimits } from "./js_limits.ts";
import type { Stream } from "./stream.ts";
import {
  validateStreamConfig,
  validateStreamName,
  validateStreamUpdate,
  withDefaults,
} from "./stream_config.ts";
import type { ApiRequest, StreamConfig } from "./types.ts";

const LIST_LIMIT = 256;
const NAMES_LIMIT = 1024;

export function registerStreamApi(router: ApiRouter, js: JsAccount): void {
  const stream = (req: ApiRequest, index = 2): Stream => {
    const s = js.streams.get(req.tokens[index]);
    if (s === undefined) throw apiError(JSStreamNotFoundErr);
    return s;
  };

  router.register("INFO", "account_info", () => {
    const u = js.usage();
    const limits = js.limits;
    return {
      memory: u.memory,
      storage: u.storage,
      streams: js.streams.size,
      consumers: u.consumers,
      limits: {
        max_memory: limits.maxMemory,
        max_storage: limits.maxStore,
        max_streams: limits.maxStreams,
        max_consumers: limits.maxConsumers,
        max_ack_pending: limits.maxAckPending,
        memory_max_stream_bytes: limits.memoryMaxStreamBytes,
        storage_max_stream_bytes: limits.storeMaxStreamBytes,
        max_bytes_required: limits.maxBytesRequired,
      },
      api: { total: router.stats.total, errors: router.stats.errors },
    };
  });

  router.register("STREAM.CREATE.*", "stream_create", async (req) => {
    const config = configOf(req, req.tokens[2]);
    const existing = js.streams.get(config.name);
    if (existing !== undefined) {
      // Creating the same stream again is a no-op; with another config it is an error.
      if (JSON.stringify(existing.config) !== JSON.stringify(config)) {
        throw apiError(JSStreamNameExistErr);
      }
      return { ...existing.info(), did_create: false };
    }
    validateStreamConfig(config);
    checkStreamLimits(js.limitsView(), config, null);
    checkOverlap(js, config, null);
    try {
      const created = await js.createStream(config);
      streamAction(js, config.name, "create", created.config);
      return { ...created.info(), did_create: true };
    } catch (err) {
      throw apiError(JSStreamCreateErrF, { err: (err as Error).message });
    }
  });

  router.register("STREAM.UPDATE.*", "stream_update", async (req) => {
    const s = stream(req);
    const config = configOf(req, req.tokens[2]);
    validateStreamUpdate(s.config, config);
    checkStreamLimits(js.limitsView(), config, s.name);
    checkOverlap(js, config, s);
    const sourcesChanged =
      JSON.stringify(config.sources ?? []) !== JSON.stringify(s.config.sources ?? []);
    await s.update(config);
    await js.saveConfig(s);
    if (sourcesChanged) await s.startSources((n) => js.streams.get(n));
    streamAction(js, s.name, "modify", s.config);
    return s.info();
  });

  router.register("STREAM.DELETE.*", "stream_delete", async (req) => {
    const s = stream(req);
    await js.deleteStream(s);
    streamAction(js, s.name, "delete", s.config);
    return { success: true };
  });

  router.register("STREAM.INFO.*", "stream_info", (req) => {
    const body = req.json<{ deleted_details?: boolean; subjects_filter?: string }>() ?? {};
    return stream(req).info({
      deletedDetails: body.deleted_details === true,
      subjectsFilter: body.subjects_filter,
    });
  });

  router.register("STREAM.NAMES", "stream_names", (req) => {
    const body = req.json<{ offset?: number; subject?: string }>() ?? {};
    const names = [...js.streams.values()]
      .filter((s) => !body.subject || s.config.subjects.some((x) => overlaps(x, body.subject!)))
      .map((s) => s.name)
      .sort();
    const offset = Math.max(0, body.offset ?? 0);
    const page = names.slice(offset, offset + NAMES_LIMIT);
    return { total: names.length, offset, limit: NAMES_LIMIT, streams: page };
  });

  router.register("STREAM.LIST", "stream_list", (req) => {
    const body = req.json<{ offset?: number; subject?: string }>() ?? {};
    const all = [...js.streams.values()]
      .filter((s) => !body.subject || s.config.subjects.some((x) => overlaps(x, body.subject!)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const offset = Math.max(0, body.offset ?? 0);
    const page = all.slice(offset, offset + LIST_LIMIT).map((s) => s.info());
    return { total: all.length, offset, limit: LIST_LIMIT, streams: page, missing: [] };
  });

  router.register("STREAM.PURGE.*", "stream_purge", async (req) => {
    const s = stream(req);
    if (s.config.deny_purge) {
      throw apiError(JSStreamPurgeFailedF, { err: "stream purge not permitted" });
    }
    if (s.config.sealed) {
      throw apiError(JSStreamPurgeFailedF, { err: "invalid operation on sealed stream" });
    }
    const body = req.json<{ filter?: string; seq?: number; keep?: number }>() ?? {};
    if (body.seq !== undefined && body.keep !== undefined) {
      throw apiError(JSBadRequestErr);
    }
    const purged = await s.store.purge({ filter: body.filter, seq: body.seq, keep: body.keep });
    const first = s.store.state().firstSeq;
    for (const consumer of s.consumers.values()) consumer.streamPurged(first);
    return { success: true, purged };
  });

  router.register("STREAM.MSG.GET.*", "stream_msg_get", async (req) => {
    const s = stream(req, 3);
    const body = req.json<{ seq?: number; last_by_subj?: string; next_by_subj?: string }>();
    if (body === null || (body.seq === undefined && !body.last_by_subj && !body.next_by_subj)) {
      throw apiError(JSBadRequestErr);
    }
    const m = body.last_by_subj
      ? await s.store.loadLastMsg(body.last_by_subj)
      : body.next_by_subj
      ? await s.store.loadNextMsg(body.next_by_subj, Math.max(1, body.seq ?? 0))
      : await s.store.loadMsg(Number(body.seq));
    if (m === null) throw apiError(JSNoMessageFoundErr);
    const message: Record<string, unknown> = {
      subject: m.subject,
      seq: m.seq,
      time: rfc3339Nano(m.ts),
    };
    if (m.headers !== null && m.headers.length > 0) message.hdrs = encodeBase64(m.headers);
    if (m.payload.length > 0) message.data = encodeBase64(m.payload);
    return { message };
  });

  router.register("STREAM.MSG.DELETE.*", "stream_msg_delete", async (req) => {
    const s = stream(req, 3);
    if (s.config.deny_delete) {
      throw apiError(JSStreamMsgDeleteFailedF, { err: "message delete not permitted" });
    }
    if (s.config.sealed) {
      throw apiError(JSStreamMsgDeleteFailedF, { err: "invalid operation on sealed stream" });
    }
    const body = req.json<{ seq?: number; no_erase?: boolean }>();
    if (body === null || !Number.isInteger(body.seq) || body.seq! <= 0) {
      throw apiError(JSBadRequestErr);
    }
    const ok = body.no_erase
      ? await s.store.removeMsg(body.seq!)
      : await s.store.eraseMsg(body.seq!);
    if (!ok) throw apiError(JSStreamMsgDeleteFailedF, { err: "no message found" });
    return { success: true };
  });
}

const ACTION_SUBJECT = { create: "CREATED", modify: "UPDATED", delete: "DELETED" } as const;

/** `$JS.EVENT.ADVISORY.STREAM.CREATED|UPDATED|DELETED.<stream>` (nats-server's stream_action). */
function streamAction(
  js: JsAccount,
  stream: string,
  action: keyof typeof ACTION_SUBJECT,
  config: StreamConfig,
): void {
  js.messaging.advisory(`$JS.EVENT.ADVISORY.STREAM.${ACTION_SUBJECT[action]}.${stream}`, {
    type: "io.nats.jetstream.advisory.v1.stream_action",
    stream,
    action,
    template: "",
    ...(action === "delete" ? {} : { config }),
  });
}

/** The request's stream config, defaults applied; the name in the subject must match. */
function configOf(req: ApiRequest, nameInSubject: string): StreamConfig {
  validateStreamName(nameInSubject);
  const body = req.json<Partial<StreamConfig>>();
  if (body === null) throw apiError(JSBadRequestErr);
  if (body.name !== undefined && body.name !== "" && body.name !== nameInSubject) {
    throw apiError(JSStreamMismatchErr);
  }
  return withDefaults({ ...body, name: nameInSubject });
}

function overlaps(a: string, b: string): boolean {
  return subjectIsSubsetOf(a, b) || subjectIsSubsetOf(b, a) || a === b;
}

/** No two streams of an account may capture the same subject. */
export function checkOverlap(js: JsAccount, config: StreamConfig, self: Stream | null): void {
  for (const other of js.streams.values()) {
    if (other === self) continue;
    for (const a of config.subjects) {
      for (const b of other.config.subjects) {
        if (subjectsCollide(a, b)) throw apiError(JSStreamSubjectOverlapErr);
      }
    }
  }
}
