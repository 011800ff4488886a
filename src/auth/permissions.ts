/**
 * Subject permissions of one user: may it publish to a subject, subscribe to a subject (with a
 * queue group), and receive a message on a subject. Built once per configured permissions block
 * and shared by every connection of the users that have it (all state here is a pure function
 * of the block, so the decision caches can be shared too); per-connection response permits
 * live in `responses.ts`.
 *
 * Semantics follow nats-server 2.9 (`client.go` setPermissions, pubAllowed, canSubscribe,
 * queueMatches, checkDenySub), probed against the reference binary:
 * - publish: a subject must match the allow list if there is one (an empty allow list, which
 *   only `allow_responses` produces, denies everything) and must not match the deny list;
 * - subscribe: the subscription subject is matched against the allow/deny lists with its
 *   tokens taken literally, so `foo.>` is allowed by `foo.*` (the `*` matches the token `>`) and
 *   refused by a deny `foo.*`; allow entries `"subj queue"` restrict queue subscriptions on a
 *   subject to those queue names (`*`/`>` in the queue name work as in subjects) and exclude
 *   plain subscriptions on it unless the subject is also allowed alone;
 * - delivery: a wildcard subscription that passed may still match denied subjects, so messages
 *   on subjects matching a subscribe deny entry are not delivered.
 *
 * Two deliberate differences, both where the reference lets a deny entry be bypassed:
 * - nats-server only turns the delivery filter on once a wildcard subscription *contains* a
 *   deny entry (deny `foo.*`, subscription `*.bar` still receives `foo.bar`); here it applies
 *   whenever there are subscribe deny entries ("We could be smarter" in its FIXME).
 * - with deny `["foo", "foo q"]`, nats-server lets `SUB foo r` through (the queue check
 *   overrides the plain deny); here a plain deny match always refuses ("deny has priority",
 *   as the docs say).
 */

import { Sublist, type SublistEntry } from "../subject/sublist.ts";
import { isValidSubject, subjectHasWildcard, subjectIsSubsetOf } from "../subject/subject.ts";

export interface SubjectPermission {
  /** null: no allow list. For publish, an empty list denies every subject. */
  readonly allow: readonly string[] | null;
  readonly deny: readonly string[] | null;
}

/** `allow_responses`: how many replies per request and for how long; <= 0 means no limit. */
export interface ResponsePermission {
  readonly max: number;
  readonly expiresMs: number;
}

/** A parsed permissions block (config or, later, a user JWT). */
export interface PermissionsSpec {
  readonly publish: SubjectPermission | null;
  readonly subscribe: SubjectPermission | null;
  readonly responses: ResponsePermission | null;
}

/** nats-server's `DEFAULT_ALLOW_RESPONSE_MAX_MSGS` and `DEFAULT_ALLOW_RESPONSE_EXPIRATION`. */
export const DEFAULT_RESPONSE_PERMISSION: ResponsePermission = Object.freeze({
  max: 1,
  expiresMs: 2 * 60 * 1000,
});

/** Bound on remembered publish / delivery decisions per permissions block. */
export const PERMISSION_CACHE_SIZE = 1024;

interface PermEntry extends SublistEntry {
  readonly subject: string;
  readonly queue: string | null;
}

/** `"subject"` or `"subject queue"` (any whitespace between), or null if malformed. */
function splitSubjectQueue(text: string): PermEntry | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length > 2 || !isValidSubject(parts[0])) return null;
  return { subject: parts[0], queue: parts.length === 2 ? parts[1] : null };
}

/** A sublist over the entries; entries that can never match are left out. */
function buildList(subjects: readonly string[], withQueues: boolean): Sublist<PermEntry> {
  // Decisions are cached by the caller, so the sublist's own cache would only cost memory.
  const list = new Sublist<PermEntry>({ cache: false });
  for (const text of subjects) {
    const entry = splitSubjectQueue(text);
    if (entry === null || (entry.queue !== null && !withQueues)) continue;
    list.insert(entry);
  }
  return list;
}

/** nats-server's `queueMatches`: the queue equals a group name or is a subset of a wildcard one. */
function queueMatches(queue: string, groups: readonly (readonly PermEntry[])[]): boolean {
  for (const group of groups) {
    const name = group[0].queue!;
    if (queue === name || (subjectHasWildcard(name) && subjectIsSubsetOf(queue, name))) {
      return true;
    }
  }
  return false;
}

function remember(cache: Map<string, boolean>, key: string, value: boolean): void {
  cache.set(key, value);
  // Insertion order: drop the oldest decision.
  if (cache.size > PERMISSION_CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

export class Permissions {
  readonly spec: PermissionsSpec;
  readonly allowResponses: ResponsePermission | null;
  #pubAllow: Sublist<PermEntry> | null = null;
  #pubDeny: Sublist<PermEntry> | null = null;
  #subAllow: Sublist<PermEntry> | null = null;
  #subDeny: Sublist<PermEntry> | null = null;
  /** The plain (queue-less) subscribe deny entries, checked at delivery. */
  #deliverDeny: Sublist<PermEntry> | null = null;
  #pubCache = new Map<string, boolean>();
  #deliverCache = new Map<string, boolean>();

  constructor(spec: PermissionsSpec) {
    this.spec = spec;
    this.allowResponses = spec.responses;
    const pub = spec.publish;
    // An empty publish allow list is meaningful (deny all but responses); empty subscribe
    // lists and empty deny lists mean "no restriction", as in nats-server.
    if (pub?.allow != null) this.#pubAllow = buildList(pub.allow, false);
    if (pub?.deny != null && pub.deny.length > 0) this.#pubDeny = buildList(pub.deny, false);
    const sub = spec.subscribe;
    if (sub?.allow != null && sub.allow.length > 0) this.#subAllow = buildList(sub.allow, true);
    if (sub?.deny != null && sub.deny.length > 0) {
      this.#subDeny = buildList(sub.deny, true);
      const plain = buildList(sub.deny, false);
      if (plain.count > 0) this.#deliverDeny = plain;
    }
  }

  /** True when every publish is allowed: callers may skip `canPublish` entirely. */
  get publishUnrestricted(): boolean {
    return this.#pubAllow === null && this.#pubDeny === null;
  }

  /** True when `canDeliver` can refuse something: only then do callers need to ask it. */
  get filtersDelivery(): boolean {
    return this.#deliverDeny !== null;
  }

  /**
   * May this user publish to `subject`? Hot path: decisions are cached. A false here may still
   * be allowed by a response permit (`ReplyPermits.use`).
   */
  canPublish(subject: string): boolean {
    if (this.#pubAllow === null && this.#pubDeny === null) return true;
    const hit = this.#pubCache.get(subject);
    if (hit !== undefined) return hit;
    let allowed = true;
    if (this.#pubAllow !== null) allowed = this.#pubAllow.match(subject).plain.length > 0;
    if (allowed && this.#pubDeny !== null) {
      allowed = this.#pubDeny.match(subject).plain.length === 0;
    }
    remember(this.#pubCache, subject, allowed);
    return allowed;
  }

  /** May this user subscribe to `subject` (in queue group `queue`, or null for none)? */
  canSubscribe(subject: string, queue: string | null): boolean {
    const q = queue === null || queue === "" ? null : queue;
    if (this.#subAllow !== null) {
      const r = this.#subAllow.match(subject);
      let allowed = r.plain.length > 0;
      // Queue entries for this subject decide queue subscriptions on their own.
      if (q !== null && r.queues.length > 0) allowed = queueMatches(q, r.queues);
      if (!allowed) return false;
    }
    if (this.#subDeny !== null) {
      const r = this.#subDeny.match(subject);
      if (r.plain.length > 0) return false;
      if (q !== null && r.queues.length > 0 && queueMatches(q, r.queues)) return false;
    }
    return true;
  }

  /**
   * May a message on `subject` be delivered to this user (through a wildcard subscription that
   * was allowed)? Always true unless `filtersDelivery`.
   */
  canDeliver(subject: string): boolean {
    if (this.#deliverDeny === null) return true;
    const hit = this.#deliverCache.get(subject);
    if (hit !== undefined) return hit;
    const allowed = this.#deliverDeny.match(subject).plain.length === 0;
    remember(this.#deliverCache, subject, allowed);
    return allowed;
  }
}
