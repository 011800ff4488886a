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

/** A random member of a queue group, as nats-server picks, skipping closed or echo-less owners. */
function pickQueueMember(
  members: readonly Subscription[],
  origin: Subscriber | null,
): Subscription | null {
  const n = members.length;
  const start = n === 1 ? 0 : Math.floor(Math.random() * n);
  for (let k = 0; k < n; k++) {
    const sub = members[(start + k) % n];
    const owner = sub.owner;
    if (owner.closed || (owner === origin && !owner.echo)) continue;
    return sub;
  }
  return null;
}
