/**
 * JetStream API errors with nats-server's numbers and texts (server/errors.json): the one
 * table; responses carry `{"error":{"code","err_code","description"}}`. Texts with `{x}`
 * placeholders are filled by `apiError(def, {x: ...})`. Add entries here, never inline.
 */

export interface ApiErrorDef {
  readonly code: number;
  readonly errCode: number;
  readonly description: string;
}

function def(code: number, errCode: number, description: string): ApiErrorDef {
  return { code, errCode, description };
}

export const JSAccountResourcesExceededErr = def(
  400,
  10002,
  "resource limits exceeded for account",
);
export const JSBadRequestErr = def(400, 10003, "bad request");
export const JSClusterNotAvailErr = def(503, 10008, "JetStream system temporarily unavailable");
export const JSClusterUnSupportFeatureErr = def(
  503,
  10036,
  "not currently supported in clustered mode",
);
export const JSConsumerCreateErrF = def(500, 10012, "{err}");
export const JSConsumerNameExistErr = def(400, 10013, "consumer name already in use");
export const JSConsumerNotFoundErr = def(404, 10014, "consumer not found");
export const JSConsumerDurableNameNotInSubjectErr = def(
  400,
  10016,
  "consumer expected to be durable but no durable name set in subject",
);
export const JSConsumerDurableNameNotMatchSubjectErr = def(
  400,
  10017,
  "consumer name in subject does not match durable name in request",
);
export const JSConsumerDurableNameNotSetErr = def(
  400,
  10018,
  "consumer expected to be durable but a durable name was not set",
);
export const JSConsumerEphemeralWithDurableInSubjectErr = def(
  400,
  10019,
  "consumer expected to be ephemeral but detected a durable name set in subject",
);
export const JSConsumerEphemeralWithDurableNameErr = def(
  400,
  10020,
  "consumer expected to be ephemeral but a durable name was set in request",
);
export const JSInsufficientResourcesErr = def(503, 10023, "insufficient resources");
export const JSInvalidJSONErr = def(400, 10025, "invalid JSON: {err}");
export const JSMaximumConsumersLimitErr = def(400, 10026, "maximum consumers limit reached");
export const JSMaximumStreamsLimitErr = def(400, 10027, "maximum number of streams reached");
export const JSMemoryResourcesExceededErr = def(
  500,
  10028,
  "insufficient memory resources available",
);
export const JSMirrorWithSubjectsErr = def(400, 10034, "stream mirrors can not contain subjects");
export const JSMirrorWithSourcesErr = def(
  400,
  10031,
  "stream mirrors can not also contain other sources",
);
export const JSNoAccountErr = def(503, 10035, "account not found");
export const JSNoMessageFoundErr = def(404, 10037, "no message found");
export const JSNotEmptyRequestErr = def(400, 10038, "expected an empty request payload");
export const JSNotEnabledForAccountErr = def(503, 10039, "JetStream not enabled for account");
export const JSSequenceNotFoundErrF = def(400, 10043, "sequence {seq} not found");
export const JSStorageResourcesExceededErr = def(
  500,
  10047,
  "insufficient storage resources available",
);
export const JSStreamMaxBytesRequired = def(
  400,
  10113,
  "account requires a stream config to have max bytes set",
);
export const JSStreamMaxStreamBytesExceeded = def(
  400,
  10122,
  "stream max bytes exceeds account limit max stream bytes",
);
export const JSStreamCreateErrF = def(500, 10049, "{err}");
export const JSStreamDeleteErrF = def(500, 10050, "{err}");
export const JSStreamGeneralErrorF = def(500, 10051, "{err}");
export const JSStreamInvalidConfigF = def(500, 10052, "{err}");
export const JSStreamLimitsErrF = def(500, 10053, "{err}");
export const JSStreamMessageExceedsMaximumErr = def(
  400,
  10054,
  "message size exceeds maximum allowed",
);
export const JSStreamMirrorNotUpdatableErr = def(
  400,
  10055,
  "stream mirror configuration can not be updated",
);
export const JSStreamMismatchErr = def(400, 10056, "stream name in subject does not match request");
export const JSStreamMsgDeleteFailedF = def(500, 10057, "{err}");
export const JSStreamNameExistErr = def(
  400,
  10058,
  "stream name already in use with a different configuration",
);
export const JSStreamNotFoundErr = def(404, 10059, "stream not found");
export const JSSnapshotDeliverSubjectInvalidErr = def(400, 10015, "deliver subject not valid");
export const JSStreamNameExistRestoreFailedErr = def(
  400,
  10130,
  "stream name already in use, cannot restore",
);
export const JSStreamNotMatchErr = def(400, 10060, "expected stream does not match");
export const JSStreamReplicasNotUpdatableErr = def(
  400,
  10061,
  "Replicas configuration can not be updated",
);
export const JSStreamRestoreErrF = def(500, 10062, "restore failed: {err}");
export const JSStreamSequenceNotMatchErr = def(
  503,
  10063,
  "expected stream sequence does not match",
);
export const JSStreamSnapshotErrF = def(500, 10064, "snapshot failed: {err}");
export const JSStreamSubjectOverlapErr = def(
  400,
  10065,
  "subjects overlap with an existing stream",
);
export const JSStreamUpdateErrF = def(500, 10069, "{err}");
export const JSStreamWrongLastMsgIDErrF = def(400, 10070, "wrong last msg ID: {id}");
export const JSStreamWrongLastSequenceErrF = def(400, 10071, "wrong last sequence: {seq}");
export const JSStreamReplicasNotSupportedErr = def(
  500,
  10074,
  "replicas > 1 not supported in non-clustered mode",
);
export const JSNotEnabledErr = def(503, 10076, "JetStream not enabled");
export const JSStreamPurgeFailedF = def(500, 10110, "{err}");
export const JSStreamRollupFailedF = def(500, 10111, "{err}");
export const JSStreamSealedErr = def(400, 10109, "invalid operation on sealed stream");
export const JSConsumerFilterNotSubsetErr = def(
  400,
  10093,
  "consumer filter subject is not a valid subset of the interest subjects",
);
export const JSConsumerWQRequiresExplicitAckErr = def(
  400,
  10098,
  "workqueue stream requires explicit ack",
);
export const JSConsumerWQMultipleUnfilteredErr = def(
  400,
  10099,
  "multiple non-filtered consumers not allowed on workqueue stream",
);
export const JSConsumerWQConsumerNotUniqueErr = def(
  400,
  10100,
  "filtered consumer not unique on workqueue stream",
);
export const JSConsumerWQConsumerNotDeliverAllErr = def(
  400,
  10101,
  "consumer must be deliver all on workqueue stream",
);
export const JSConsumerExistingActiveErr = def(
  400,
  10105,
  "consumer already exists and is still active",
);
export const JSConsumerReplacementWithDifferentNameErr = def(
  400,
  10106,
  "consumer replacement durable config not the same",
);
export const JSConsumerAlreadyExists = def(400, 10148, "consumer already exists");
export const JSConsumerDoesNotExist = def(400, 10149, "consumer does not exist");
export const JSMessageTTLInvalidErr = def(400, 10165, "invalid per-message TTL");
export const JSMessageTTLDisabledErr = def(400, 10166, "per-message TTL is disabled");

export const JSStreamStoreFailedF = def(503, 10077, "{err}");
export const JSConsumerConfigRequiredErr = def(400, 10078, "consumer config required");
export const JSConsumerDeliverToWildcardsErr = def(
  400,
  10079,
  "consumer deliver subject has wildcards",
);
export const JSConsumerPushMaxWaitingErr = def(
  400,
  10080,
  "consumer in push mode can not set max waiting",
);
export const JSConsumerDeliverCycleErr = def(400, 10081, "consumer deliver subject forms a cycle");
export const JSConsumerMaxPendingAckPolicyRequiredErr = def(
  400,
  10082,
  "consumer requires ack policy for max ack pending",
);
export const JSConsumerSmallHeartbeatErr = def(
  400,
  10083,
  "consumer idle heartbeat needs to be >= 100ms",
);
export const JSConsumerPullRequiresAckErr = def(
  400,
  10084,
  "consumer in pull mode requires explicit ack policy on workqueue stream",
);
export const JSConsumerPullWithRateLimitErr = def(
  400,
  10086,
  "consumer in pull mode can not have rate limit set",
);
export const JSConsumerMaxWaitingNegativeErr = def(
  400,
  10087,
  "consumer max waiting needs to be positive",
);
export const JSConsumerHBRequiresPushErr = def(
  400,
  10088,
  "consumer idle heartbeat requires a push based consumer",
);
export const JSConsumerFCRequiresPushErr = def(
  400,
  10089,
  "consumer flow control requires a push based consumer",
);
export const JSConsumerInvalidPolicyErrF = def(400, 10094, "{err}");
export const JSStreamHeaderExceedsMaximumErr = def(
  400,
  10097,
  "header size exceeds maximum allowed of 64k",
);
export const JSConsumerNameTooLongErrF = def(
  400,
  10102,
  "consumer name is too long, maximum allowed is {max}",
);
export const JSConsumerBadDurableNameErr = def(
  400,
  10103,
  "durable name can not contain '.', '*', '>'",
);
export const JSConsumerStoreFailedErrF = def(
  500,
  10104,
  "error creating store for consumer: {err}",
);
export const JSConsumerDescriptionTooLongErrF = def(
  400,
  10107,
  "consumer description is too long, maximum allowed is {max}",
);
export const JSConsumerWithFlowControlNeedsHeartbeats = def(
  400,
  10108,
  "consumer with flow control also needs heartbeats",
);
export const JSConsumerInvalidDeliverSubject = def(
  400,
  10112,
  "invalid push consumer deliver subject",
);
export const JSConsumerMaxRequestBatchNegativeErr = def(
  400,
  10114,
  "consumer max request batch needs to be > 0",
);
export const JSConsumerMaxRequestExpiresTooSmall = def(
  400,
  10115,
  "consumer max request expires needs to be >= 1ms",
);
export const JSConsumerMaxDeliverBackoffErr = def(
  400,
  10116,
  "max deliver is required to be > length of backoff values",
);
export const JSConsumerNameContainsPathSeparatorsErr = def(
  400,
  10127,
  "Consumer name can not contain path separators",
);
export const JSStreamNameContainsPathSeparatorsErr = def(
  400,
  10128,
  "Stream name can not contain path separators",
);
export const JSConsumerCreateFilterSubjectMismatchErr = def(
  400,
  10131,
  "Consumer create request did not match filtered subject from create subject",
);
export const JSConsumerCreateDurableAndNameMismatch = def(
  400,
  10132,
  "Consumer Durable and Name have to be equal if both are provided",
);
export const JSReplicasCountCannotBeNegative = def(400, 10133, "replicas count cannot be negative");

export const JSConsumerDirectRequiresPushErr = def(
  400,
  10090,
  "consumer direct requires a push based consumer",
);
export const JSConsumerDirectRequiresEphemeralErr = def(
  400,
  10091,
  "consumer direct requires an ephemeral consumer",
);
export const JSConsumerInvalidSamplingErrF = def(
  400,
  10095,
  "failed to parse consumer sampling configuration: {err}",
);
export const JSConsumerMaxPendingAckExcessErrF = def(
  400,
  10121,
  "consumer max ack pending exceeds system limit of {limit}",
);
export const JSConsumerMetadataLengthErrF = def(
  400,
  10135,
  "consumer metadata exceeds maximum size of {limit}",
);
export const JSConsumerDuplicateFilterSubjects = def(
  400,
  10136,
  "consumer cannot have both FilterSubject and FilterSubjects specified",
);
export const JSConsumerMultipleFiltersNotAllowed = def(
  400,
  10137,
  "consumer with multiple subject filters cannot use subject based API",
);
export const JSConsumerOverlappingSubjectFilters = def(
  400,
  10138,
  "consumer subject filters cannot overlap",
);
export const JSConsumerEmptyFilter = def(
  400,
  10139,
  "consumer filter in FilterSubjects cannot be empty",
);
export const JSConsumerInactiveThresholdExcess = def(
  400,
  10153,
  "consumer inactive threshold exceeds system limit of {limit}",
);
export const JSConsumerAckWaitNegativeErr = def(
  400,
  10183,
  "consumer ack wait needs to be positive",
);
export const JSConsumerBackOffNegativeErr = def(
  400,
  10184,
  "consumer backoff needs to be positive",
);

/** A JetStream API error: thrown by handlers, turned into the `error` object of a response. */
export class ApiError extends Error {
  readonly code: number;
  readonly errCode: number;

  constructor(d: ApiErrorDef, values: Record<string, string | number> = {}) {
    const description = d.description.replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
    super(description);
    this.code = d.code;
    this.errCode = d.errCode;
  }

  toJSON(): { code: number; err_code: number; description: string } {
    return { code: this.code, err_code: this.errCode, description: this.message };
  }
}

export function apiError(d: ApiErrorDef, values?: Record<string, string | number>): ApiError {
  return new ApiError(d, values);
}
