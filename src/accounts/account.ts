/**
 * An account: an isolated subject space with its own subscription list. Every connection
 * belongs to one; without configured accounts, all use the global account `$G`.
 */
import { Sublist } from "../subject/sublist.ts";
import type { Subscription } from "../pubsub/subscription.ts";
import type { SubjectMapper } from "../subject/transform.ts";

export const GLOBAL_ACCOUNT = "$G";

export class Account {
  readonly name: string;
  readonly sublist: Sublist<Subscription> = new Sublist<Subscription>();
  /** Subject mappings applied to what clients publish; null when there are none. */
  mapper: SubjectMapper | null = null;
  isSystem = false;

  constructor(name: string) {
    this.name = name;
  }
}
