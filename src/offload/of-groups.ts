// OpenFlow 1.3 groups on this P4 program (provider.ts §7): which group_mods it can hold — ALL
// groups replicate to ports (outputs only), an INDIRECT group is one bucket of actions — and
// their definitions, seen by translation when a rule sends to a group (its outputs join the
// rule's multicast replica set, its bucket's actions join the rule's). SELECT and fast-failover
// groups, per-bucket actions in ALL groups, chaining, and changing a group flows use are refused
// with the precise OfError. Definitions recovered from entries' metadata seed it at construct.
// Holds no target state: a group leaves nothing on the target but its users' entries.

import { ofError, type OfError } from "../openflow/errors.js";
import type { GroupDesc, GroupMod } from "../openflow/multipart-types.js";
import type { GroupView } from "./translate.js";

const OFPG_ALL = 0xfffffffc;

export class OfGroups {
  readonly #descs = new Map<number, GroupDesc>();
  readonly #views = new Map<number, GroupView>();

  constructor(
    /** Does any rule send to the group now? */
    private readonly inUse: (groupId: number) => boolean,
    /** The definitions changed (translation caches go stale). */
    private readonly changed: () => void,
  ) {}

  /** The definition of group `id` (for the group records in its users' metadata). */
  get(id: number): GroupDesc | undefined {
    return this.#descs.get(id);
  }

  /** What translation sees of group `id`. */
  view(id: number): GroupView | undefined {
    return this.#views.get(id);
  }

  /** A definition found on the target (recovery), unless the group is defined already. */
  seed(desc: GroupDesc): void {
    if (!this.#descs.has(desc.groupId)) this.#set(desc);
  }

  #set(desc: GroupDesc): void {
    this.#descs.set(desc.groupId, desc);
    if (desc.groupType === "all" || desc.groupType === "indirect") {
      this.#views.set(desc.groupId, { type: desc.groupType, buckets: desc.buckets.map((b) => b.actions) });
    } else this.#views.delete(desc.groupId);
    this.changed();
  }

  /** provider.ts §7.1 */
  groupMod(mod: GroupMod): OfError | undefined {
    if (mod.command === "delete") {
      if (mod.groupId === OFPG_ALL) {
        this.#descs.clear();
        this.#views.clear();
      } else {
        this.#descs.delete(mod.groupId);
        this.#views.delete(mod.groupId);
      }
      this.changed();
      return undefined;
    }
    if (mod.groupType === "select") return ofError("GROUP_MOD_FAILED_BAD_TYPE", "SELECT groups: the P4 program has no action selector");
    if (mod.groupType === "ff") return ofError("GROUP_MOD_FAILED_BAD_TYPE", "fast-failover groups: the P4 program has no liveness watch");
    if (mod.groupType === "indirect" && mod.buckets.length !== 1) return ofError("GROUP_MOD_FAILED_BAD_BUCKET", "an INDIRECT group has exactly one bucket");
    for (const [i, b] of mod.buckets.entries()) {
      if (mod.groupType === "all" && b.actions.some((a) => a.type !== "output")) {
        return ofError("GROUP_MOD_FAILED_BAD_BUCKET", `ALL group ${mod.groupId} bucket ${i}: the program replicates to ports only (outputs, no per-bucket actions)`);
      }
      for (const a of b.actions) if (a.type === "group") return ofError("GROUP_MOD_FAILED_CHAINING_UNSUPPORTED", `group ${mod.groupId} bucket ${i} chains to group ${a.groupId}`);
    }
    if (mod.command === "modify" && this.inUse(mod.groupId)) {
      return ofError("GROUP_MOD_FAILED_EPERM", `group ${mod.groupId} is used by flows: modifying it in place is not supported; delete and re-add`);
    }
    this.#set({ groupType: mod.groupType, groupId: mod.groupId, buckets: mod.buckets });
    return undefined;
  }
}
