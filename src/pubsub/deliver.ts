/**
 * Fan-out of one message to the subscriptions a subject matched: every plain subscription
 * once, and one member of each queue group. Never awaits: owners queue bytes and flush later.
 */
import type { MsgArgs } from "../protocol/ops.ts";
import type { MatchResult } from "../subject/sublist.ts";
import type { Subscriber, Subscription } from "./subscription.ts";

/** Delivers to `result`; returns how many subscriptions received the message. */
export function deliverToMatches(
  result: MatchResult<Subscription>,
  args: MsgArgs,
  origin: Subscriber | null,
): number {
  let delivered = 0;
  const plain = result.plain;
  for (let i = 0; i < plain.length; i++) {
    const sub = plain[i];
    const owner = sub.owner;
    if (owner === origin && !owner.echo) continue;
    owner.deliver(sub, args, origin);
    delivered++;
  }
  const queues = result.queues;
  for (let g = 0; g < queues.length; g++) {
    const member = pickQueueMember(queues[g], origin);
    if (member !== null) {
      member.owner.deliver(member, args, origin);
      delivered++;
    }
  }
  return delivered;
}

/** Which queue-group members may take a message (a module-level function: no closures). */
export type MemberFilter = (owner: Subscriber, origin: Subscriber | null) => boolean;

/** A random member of a queue group that `accept` admits, as nats-server picks; null if none. */
export function pickMember(
  members: readonly Subscription[],
  origin: Subscriber | null,
  accept: MemberFilter,
): Subscription | null {
  const n = members.length;
  const start = n === 1 ? 0 : Math.floor(Math.random() * n);
  for (let k = 0; k < n; k++) {
    const sub = members[(start + k) % n];
    if (accept(sub.owner, origin)) return sub;
  }
  return null;
}

/** Open members, skipping the origin when it asked not to see its own messages. */
function acceptQueueMember(owner: Subscriber, origin: Subscriber | null): boolean {
  return !owner.closed && !(owner === origin && !owner.echo);
}

function pickQueueMember(
  members: readonly Subscription[],
  origin: Subscriber | null,
): Subscription | null {
  return pickMember(members, origin, acceptQueueMember);
}
