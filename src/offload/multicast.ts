// Multicast groups on the packet replication engine, owned by ofp4: one group per distinct
// replica set, shared by every rule that sends to that set (reference counted), created before
// the first entry that uses it is written and deleted after its last user is gone from the
// target. Owns the group ids (1..maxId) and each group's state; the provider does the Writes.
// Never writes anything itself and never frees a group that still has a user.

import { replicaSetKey, type Replica } from "./translate.js";

/** pending: its INSERT is in flight; ready: on the target; failed: its INSERT was refused. */
export type GroupState = "pending" | "ready" | "failed";

export interface MulticastGroup {
  readonly id: number;
  readonly key: string;
  readonly replicas: readonly Replica[];
  users: number;
  state: GroupState;
  /** Called once the INSERT is answered (users that arrived while it was pending). */
  waiters: ((ok: boolean) => void)[];
}

export class MulticastGroups {
  readonly #byKey = new Map<string, MulticastGroup>();
  readonly #byId = new Map<number, MulticastGroup>();
  #next = 1;

  constructor(readonly maxId = 32767) {}

  get size(): number {
    return this.#byId.size;
  }

  get(id: number): MulticastGroup | undefined {
    return this.#byId.get(id);
  }

  all(): IterableIterator<MulticastGroup> {
    return this.#byId.values();
  }

  /**
   * One more user of the group for `replicas`. `created` is true when the group is new: the
   * caller must INSERT it (and call `settle`). Undefined when every group id is taken.
   */
  acquire(replicas: readonly Replica[]): { group: MulticastGroup; created: boolean } | undefined {
    const key = replicaSetKey(replicas);
    const have = this.#byKey.get(key);
    if (have && have.state !== "failed") {
      have.users++;
      return { group: have, created: false };
    }
    if (have) this.#forget(have);
    const id = this.#freeId();
    if (id === undefined) return undefined;
    const group: MulticastGroup = { id, key, replicas, users: 1, state: "pending", waiters: [] };
    this.#byKey.set(key, group);
    this.#byId.set(id, group);
    return { group, created: true };
  }

  /** Records the answer to a group's INSERT and wakes the users waiting for it. */
  settle(group: MulticastGroup, ok: boolean): void {
    group.state = ok ? "ready" : "failed";
    const w = group.waiters;
    group.waiters = [];
    for (const f of w) f(ok);
    if (!ok && group.users === 0) this.#forget(group);
  }

  /** Runs `then` once the group is on the target (at once when it already is). */
  whenReady(group: MulticastGroup, then: (ok: boolean) => void): void {
    if (group.state === "pending") group.waiters.push(then);
    else then(group.state === "ready");
  }

  /** One user fewer; true when it was the last (the caller DELETEs the group; it is forgotten now). */
  release(id: number): boolean {
    const g = this.#byId.get(id);
    if (!g) return false;
    g.users--;
    if (g.users > 0) return false;
    const wasOnTarget = g.state === "ready";
    this.#forget(g);
    return wasOnTarget;
  }

  /** Adopts a group found on the target during recovery (users counted by the caller). */
  adopt(id: number, replicas: readonly Replica[]): MulticastGroup {
    const key = replicaSetKey(replicas);
    const existing = this.#byKey.get(key);
    if (existing) return existing;
    const group: MulticastGroup = { id, key, replicas, users: 0, state: "ready", waiters: [] };
    this.#byKey.set(key, group);
    this.#byId.set(id, group);
    return group;
  }

  #forget(g: MulticastGroup): void {
    if (this.#byKey.get(g.key) === g) this.#byKey.delete(g.key);
    if (this.#byId.get(g.id) === g) this.#byId.delete(g.id);
  }

  #freeId(): number | undefined {
    for (let n = 0; n < this.maxId; n++) {
      const id = this.#next;
      this.#next = this.#next >= this.maxId ? 1 : this.#next + 1;
      if (!this.#byId.has(id)) return id;
    }
    return undefined;
  }
}

/** The P4Runtime entity of a multicast group. */
export function multicastEntity(id: number, replicas: readonly Replica[]): {
  packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: number; replicas: { egressPort: number; instance: number }[] } };
} {
  return {
    packetReplicationEngineEntry: {
      multicastGroupEntry: { multicastGroupId: id, replicas: replicas.map((r) => ({ egressPort: r.port, instance: r.instance })) },
    },
  };
}
