/**
 * Delivery rules where leaf links meet local subscribers (nats-server's processMsgResults for
 * LEAF connections):
 * - a message from a leaf link goes to every plain subscriber except the link itself, and to
 *   queue groups only when the sender named them (`LMSG <subj> | <queue>...`); an unnamed
 *   message never reaches a queue group, because the other side already served its own;
 * - a queue group prefers a local member and falls back to a leaf link (never the one the
 *   message came from).
 * Also the delivery epoch that lets a link recognise the several deliveries of one message
 * (see `deliveryEpoch`).
 */
import type { MsgArgs } from "../protocol/ops.ts";
import type { MatchResult } from "../subject/sublist.ts";
import type { Subscriber, Subscription } from "../pubsub/subscription.ts";
import { pickMember } from "../pubsub/deliver.ts";

/** Marks subscribers that stand for a leaf link's remote interest. */
export interface LeafLinkMarker {
  readonly isLeafLink: true;
}

export function isLeafLink(owner: Subscriber): boolean {
  return (owner as Partial<LeafLinkMarker>).isLeafLink === true;
}

/** Delivers a message that arrived over `origin`; returns how many subscriptions took it. */
export function deliverFromLeaf(
  result: MatchResult<Subscription>,
  args: MsgArgs,
  queues: readonly string[],
  origin: Subscriber,
): number {
  let delivered = 0;
  const plain = result.plain;
  for (let i = 0; i < plain.length; i++) {
    const sub = plain[i];
    const owner = sub.owner;
    if (owner === origin) continue;
    owner.deliver(sub, args, origin);
    delivered++;
  }
  if (queues.length === 0) return delivered;
  const groups = result.queues;
  for (let g = 0; g < groups.length; g++) {
    const members = groups[g];
    if (!queues.includes(members[0].queue!)) continue;
    const member = pickLocalMember(members, origin) ?? pickLeafMember(members, origin);
    if (member !== null) {
      member.owner.deliver(member, args, origin);
      delivered++;
    }
  }
  return delivered;
}

/** A random member of the group that is not a leaf link, closed, or the echo-less origin. */
export function pickLocalMember(
  members: readonly Subscription[],
  origin: Subscriber | null,
): Subscription | null {
  return pickMember(members, origin, acceptLocal);
}

/** A random leaf link member of the group other than `origin`. */
export function pickLeafMember(
  members: readonly Subscription[],
  origin: Subscriber | null,
): Subscription | null {
  return pickMember(members, origin, acceptLeaf);
}

function acceptLocal(owner: Subscriber, origin: Subscriber | null): boolean {
  return !owner.closed && !isLeafLink(owner) && !(owner === origin && !owner.echo);
}

function acceptLeaf(owner: Subscriber, origin: Subscriber | null): boolean {
  return !owner.closed && owner !== origin && isLeafLink(owner);
}

/** The queue group named `queue` in a match result, or null. */
export function groupOf(
  result: MatchResult<Subscription>,
  queue: string,
): readonly Subscription[] | null {
  const groups = result.queues;
  for (let g = 0; g < groups.length; g++) {
    if (groups[g][0].queue === queue) return groups[g];
  }
  return null;
}

let epoch = 0;
let epochQueued = false;
const advance = () => {
  epoch++;
  epochQueued = false;
};

/**
 * A number that stays the same for the rest of the current synchronous run and changes before
 * any later one. Every delivery of one published message happens in one synchronous fan-out,
 * and a parser reuses its argument record only for a later message: at a later offset of the
 * same read (same epoch, other offsets) or in a later read (a later epoch). So (record, its
 * offsets, epoch) names one message, which lets a link send it once however many of its
 * subscriptions it matched.
 */
export function deliveryEpoch(): number {
  if (!epochQueued) {
    epochQueued = true;
    queueMicrotask(advance);
  }
  return epoch;
}
