/**
 * Consumer configuration rules: nats-server's defaults (`setConsumerConfigDefaults`), its
 * validation (`checkConsumerCfg` plus the stream-dependent checks of `addConsumer`) and what an
 * update may change (`checkNewConsumerConfig`). Every refusal is an ApiError with nats-server's
 * err_code and text. Where 2.9.10 and later servers differ, the later (safer) rule is kept:
 * backoff with unlimited max_deliver is allowed, a negative ack_wait is refused.
 */
import {
  apiError,
  JSConsumerAckWaitNegativeErr,
  JSConsumerBackOffNegativeErr,
  JSConsumerBadDurableNameErr,
  JSConsumerCreateDurableAndNameMismatch,
  JSConsumerCreateErrF,
  JSConsumerDeliverCycleErr,
  JSConsumerDeliverToWildcardsErr,
  JSConsumerDescriptionTooLongErrF,
  JSConsumerDirectRequiresEphemeralErr,
  JSConsumerDirectRequiresPushErr,
  JSConsumerDuplicateFilterSubjects,
  JSConsumerEmptyFilter,
  JSConsumerFCRequiresPushErr,
  JSConsumerFilterNotSubsetErr,
  JSConsumerHBRequiresPushErr,
  JSConsumerInactiveThresholdExcess,
  JSConsumerInvalidDeliverSubject,
  JSConsumerInvalidPolicyErrF,
  JSConsumerInvalidSamplingErrF,
  JSConsumerMaxDeliverBackoffErr,
  JSConsumerMaxPendingAckExcessErrF,
  JSConsumerMaxPendingAckPolicyRequiredErr,
  JSConsumerMaxRequestBatchNegativeErr,
  JSConsumerMaxRequestExpiresTooSmall,
  JSConsumerMaxWaitingNegativeErr,
  JSConsumerMetadataLengthErrF,
  JSConsumerNameContainsPathSeparatorsErr,
  JSConsumerNameExistErr,
  JSConsumerNameTooLongErrF,
  JSConsumerOverlappingSubjectFilters,
  JSConsumerPullRequiresAckErr,
  JSConsumerPullWithRateLimitErr,
  JSConsumerPushMaxWaitingErr,
  JSConsumerSmallHeartbeatErr,
  JSConsumerWithFlowControlNeedsHeartbeats,
  JSReplicasCountCannotBeNegative,
  JSStreamReplicasNotSupportedErr,
} from "./api_errors.ts";
import type { StreamConfig } from "./types.ts";
import type { ConsumerConfig } from "./consumer_config_json.ts";
import { isValidSubject, subjectHasWildcard, subjectIsSubsetOf } from "../subject/subject.ts";

const MS = 1_000_000;
export const ACK_WAIT_DEFAULT = 30_000 * MS;
export const INACTIVE_THRESHOLD_DEFAULT = 5_000 * MS;
export const MAX_ACK_PENDING_DEFAULT = 1000;
export const MAX_WAITING_DEFAULT = 512;
export const MAX_NAME_LEN = 255;
export const MAX_DESCRIPTION_LEN = 4 * 1024;
export const MAX_METADATA_LEN = 128 * 1024;
const MIN_HEARTBEAT = 100 * MS;
const MIN_REQUEST_EXPIRES = 1 * MS;

export function isDurable(c: ConsumerConfig): boolean {
  return c.durable_name !== "";
}

export function isPush(c: ConsumerConfig): boolean {
  return c.deliver_subject !== "";
}

/** The filters in effect: filter_subject, or filter_subjects (2.10), or none. */
export function filtersOf(c: ConsumerConfig): string[] {
  return c.filter_subject !== "" ? [c.filter_subject] : c.filter_subjects;
}

/** Fills in nats-server's defaults, in its order (setConsumerConfigDefaults). */
export function applyConsumerDefaults(c: ConsumerConfig, stream: StreamConfig): void {
  if (c.max_deliver === 0 || c.max_deliver < -1) c.max_deliver = -1;
  if (c.max_ack_pending < -1) c.max_ack_pending = -1;
  if (c.idle_heartbeat < 0) c.idle_heartbeat = 0;
  if (c.inactive_threshold < 0) c.inactive_threshold = 0;
  if (!isPush(c) && c.max_waiting === 0) c.max_waiting = MAX_WAITING_DEFAULT;
  if (c.ack_wait === 0 && c.ack_policy !== "none") c.ack_wait = ACK_WAIT_DEFAULT;
  if (c.backoff.length > 0) c.ack_wait = c.backoff[0];
  const limits = stream.consumer_limits ?? {};
  if (c.max_ack_pending === 0) c.max_ack_pending = limits.max_ack_pending ?? 0;
  if (c.inactive_threshold === 0) c.inactive_threshold = limits.inactive_threshold ?? 0;
  if (c.max_ack_pending === 0 && c.ack_policy !== "none") {
    c.max_ack_pending = MAX_ACK_PENDING_DEFAULT;
  }
  // Ephemerals always have an inactivity threshold (updateInactiveThreshold stamps the config).
  if (!isDurable(c) && c.inactive_threshold <= 0) c.inactive_threshold = INACTIVE_THRESHOLD_DEFAULT;
}

/** nats-server's isValidName for consumer names: no '.', '*', '>' or whitespace. */
function checkName(name: string): void {
  if (name === "") return;
  if (name.includes("/") || name.includes("\\")) {
    throw apiError(JSConsumerNameContainsPathSeparatorsErr);
  }
  if (/[.*>\s]/.test(name)) throw apiError(JSConsumerBadDurableNameErr);
  if (name.length > MAX_NAME_LEN) throw apiError(JSConsumerNameTooLongErrF, { max: MAX_NAME_LEN });
}

function policyError(text: string): never {
  throw apiError(JSConsumerInvalidPolicyErrF, { err: text });
}

function badStart(dp: string, start: string): never {
  policyError(`consumer delivery policy is deliver ${dp}, but optional start ${start} is also set`);
}

function notSet(dp: string, what: string): never {
  policyError(`consumer delivery policy is deliver ${dp}, but optional ${what} is not set`);
}

function checkStartPosition(c: ConsumerConfig): void {
  const seq = c.opt_start_seq > 0;
  const time = c.opt_start_time !== "";
  switch (c.deliver_policy) {
    case "all":
    case "last":
    case "new":
      if (seq) badStart(c.deliver_policy, "sequence");
      if (time) badStart(c.deliver_policy, "time");
      return;
    case "last_per_subject":
      if (seq) badStart("last per subject", "sequence");
      if (time) badStart("last per subject", "time");
      if (filtersOf(c).length === 0) notSet("last per subject", "filter subject");
      return;
    case "by_start_sequence":
      if (!seq) notSet("by start sequence", "start sequence");
      if (time) badStart("by start sequence", "time");
      return;
    case "by_start_time":
      if (!time) notSet("by start time", "start time");
      if (seq) badStart("by start time", "start sequence");
      return;
  }
}

/** Do two subjects (wildcards allowed) match at least one subject in common? */
export function subjectsCollide(a: string, b: string): boolean {
  const at = a.split(".");
  const bt = b.split(".");
  for (let i = 0; i < at.length && i < bt.length; i++) {
    const x = at[i];
    const y = bt[i];
    if (x === ">" || y === ">") return true;
    if (x !== "*" && y !== "*" && x !== y) return false;
  }
  return at.length === bt.length;
}

function checkFilters(c: ConsumerConfig, stream: StreamConfig): void {
  if (c.filter_subject !== "" && c.filter_subjects.length > 0) {
    throw apiError(JSConsumerDuplicateFilterSubjects);
  }
  if (c.filter_subjects.some((f) => f === "")) throw apiError(JSConsumerEmptyFilter);
  const filters = filtersOf(c);
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i];
    // nats-server 2.9 answers an invalid filter like one outside the stream's subjects.
    if (!isValidSubject(f)) throw apiError(JSConsumerFilterNotSubsetErr);
    for (let j = 0; j < filters.length; j++) {
      if (i !== j && subjectIsSubsetOf(f, filters[j])) {
        throw apiError(JSConsumerOverlappingSubjectFilters);
      }
    }
    // A stream without subjects (a mirror) takes whatever it is given.
    if (stream.subjects.length > 0 && !stream.subjects.some((s) => subjectsCollide(f, s))) {
      throw apiError(JSConsumerFilterNotSubsetErr);
    }
  }
}

function checkPushOrPull(c: ConsumerConfig, stream: StreamConfig): void {
  if (isPush(c)) {
    if (subjectHasWildcard(c.deliver_subject)) throw apiError(JSConsumerDeliverToWildcardsErr);
    if (!isValidSubject(c.deliver_subject)) throw apiError(JSConsumerInvalidDeliverSubject);
    if (stream.subjects.some((s) => subjectIsSubsetOf(c.deliver_subject, s))) {
      throw apiError(JSConsumerDeliverCycleErr);
    }
    if (c.max_waiting !== 0) throw apiError(JSConsumerPushMaxWaitingErr);
    if (c.max_ack_pending > 0 && c.ack_policy === "none") {
      throw apiError(JSConsumerMaxPendingAckPolicyRequiredErr);
    }
    if (c.idle_heartbeat > 0 && c.idle_heartbeat < MIN_HEARTBEAT) {
      throw apiError(JSConsumerSmallHeartbeatErr);
    }
    return;
  }
  if (c.ack_policy === "none" && stream.retention === "workqueue") {
    throw apiError(JSConsumerPullRequiresAckErr);
  }
  if (c.rate_limit_bps > 0) throw apiError(JSConsumerPullWithRateLimitErr);
  if (c.max_waiting < 0) throw apiError(JSConsumerMaxWaitingNegativeErr);
  if (c.idle_heartbeat > 0) throw apiError(JSConsumerHBRequiresPushErr);
  if (c.flow_control) throw apiError(JSConsumerFCRequiresPushErr);
  if (c.max_batch < 0) throw apiError(JSConsumerMaxRequestBatchNegativeErr);
  if (c.max_expires !== 0 && c.max_expires < MIN_REQUEST_EXPIRES) {
    throw apiError(JSConsumerMaxRequestExpiresTooSmall);
  }
}

/** `sample_freq` as a percentage ("50" or "50%"); null when not a non-negative integer. */
export function sampleFrequency(text: string): number | null {
  if (text === "") return 0;
  const s = text.endsWith("%") ? text.slice(0, -1) : text;
  return /^\d+$/.test(s) ? Number(s) : null;
}

/** Validates a config after defaults against its stream (checkConsumerCfg and friends). */
export function validateConsumerConfig(c: ConsumerConfig, stream: StreamConfig): void {
  checkName(c.name);
  checkName(c.durable_name);
  if (c.num_replicas > 1) throw apiError(JSStreamReplicasNotSupportedErr);
  if (c.num_replicas < 0) throw apiError(JSReplicasCountCannotBeNegative);
  if (c.backoff.some((b) => b < 0)) throw apiError(JSConsumerBackOffNegativeErr);
  if (c.ack_wait < 0) throw apiError(JSConsumerAckWaitNegativeErr);
  if (c.backoff.length > 0 && c.max_deliver !== -1 && c.backoff.length > c.max_deliver) {
    throw apiError(JSConsumerMaxDeliverBackoffErr);
  }
  if (c.description.length > MAX_DESCRIPTION_LEN) {
    throw apiError(JSConsumerDescriptionTooLongErrF, { max: MAX_DESCRIPTION_LEN });
  }
  checkPushOrPull(c, stream);
  const limits = stream.consumer_limits ?? {};
  if ((limits.max_ack_pending ?? 0) > 0 && c.max_ack_pending > limits.max_ack_pending!) {
    throw apiError(JSConsumerMaxPendingAckExcessErrF, { limit: limits.max_ack_pending! });
  }
  if (
    (limits.inactive_threshold ?? 0) > 0 && c.inactive_threshold > limits.inactive_threshold!
  ) {
    throw apiError(JSConsumerInactiveThresholdExcess, { limit: limits.inactive_threshold! });
  }
  if (c.direct) {
    if (!isPush(c)) throw apiError(JSConsumerDirectRequiresPushErr);
    if (isDurable(c)) throw apiError(JSConsumerDirectRequiresEphemeralErr);
  }
  checkFilters(c, stream);
  checkStartPosition(c);
  if (sampleFrequency(c.sample_freq) === null) {
    const s = c.sample_freq.endsWith("%") ? c.sample_freq.slice(0, -1) : c.sample_freq;
    throw apiError(JSConsumerInvalidSamplingErrF, {
      err: `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`,
    });
  }
  if (c.flow_control && c.idle_heartbeat === 0) {
    throw apiError(JSConsumerWithFlowControlNeedsHeartbeats);
  }
  if (c.durable_name !== "" && c.name !== "" && c.name !== c.durable_name) {
    throw apiError(JSConsumerCreateDurableAndNameMismatch);
  }
  let metadataLen = 0;
  for (const [k, v] of Object.entries(c.metadata ?? {})) metadataLen += k.length + v.length;
  if (metadataLen > MAX_METADATA_LEN) {
    throw apiError(JSConsumerMetadataLengthErrF, { limit: `${MAX_METADATA_LEN / 1024}KB` });
  }
}

/**
 * Refuses changes nats-server does not allow on an existing consumer (checkNewConsumerConfig).
 * `deliverHasInterest` says whether the current deliver subject is still listened to.
 */
export function validateConsumerUpdate(
  cur: ConsumerConfig,
  next: ConsumerConfig,
  deliverHasInterest: (subject: string) => boolean,
): void {
  const refuse = (text: string): never => {
    throw apiError(JSConsumerCreateErrF, { err: text });
  };
  if (cur.deliver_policy !== next.deliver_policy) refuse("deliver policy can not be updated");
  if (cur.mem_storage !== next.mem_storage) refuse("storage type can not be updated");
  if (cur.direct !== next.direct) refuse("direct can not be updated");
  if (cur.opt_start_seq !== next.opt_start_seq) refuse("start sequence can not be updated");
  if (cur.opt_start_time !== next.opt_start_time) refuse("start time can not be updated");
  if (cur.ack_policy !== next.ack_policy) refuse("ack policy can not be updated");
  if (cur.replay_policy !== next.replay_policy) refuse("replay policy can not be updated");
  if (cur.idle_heartbeat !== next.idle_heartbeat) refuse("heart beats can not be updated");
  if (cur.flow_control !== next.flow_control) refuse("flow control can not be updated");
  if (cur.deliver_subject !== next.deliver_subject) {
    if (cur.deliver_subject === "") refuse("can not update pull consumer to push based");
    if (next.deliver_subject === "") refuse("can not update push consumer to pull based");
    if (deliverHasInterest(cur.deliver_subject)) throw apiError(JSConsumerNameExistErr);
  }
  if (cur.max_waiting !== next.max_waiting) refuse("max waiting can not be updated");
  const lbo = next.backoff.length;
  if (lbo > 0 && next.max_deliver !== -1 && lbo > next.max_deliver) {
    throw apiError(JSConsumerMaxDeliverBackoffErr);
  }
}
