// The replication engine's multicast groups as ofp4 writes them: one group per distinct replica
// set (multicast.ts keeps the ids, users and states), INSERTed before the first entry that sends
// to it and DELETEd after its last user is gone from the target. A group's users wait for its
// INSERT to be answered; a refused INSERT fails them; one the target never answered (the target
// went away) is tried again once it is back. A failed DELETE leaves a leftover that
// reconciliation removes. Never decides which group an entry uses: translation does.

import { Code, UpdateType, type UpdateStatus } from "../p4runtime/index.js";
import type { ErrorOrigin } from "./error-log.js";
import { MulticastGroups, multicastEntity, type MulticastGroup } from "./multicast.js";
import type { TargetSession, Waiter } from "./target-session.js";
import type { Replica } from "./translate.js";

export class Replication {
  readonly groups = new MulticastGroups();

  constructor(private readonly session: TargetSession) {}

  /** One more user of the group for `replicas` (written when new); undefined when no group id is left. */
  acquire(replicas: readonly Replica[], origin: ErrorOrigin | undefined): MulticastGroup | undefined {
    const got = this.groups.acquire(replicas);
    if (got === undefined) return undefined;
    if (got.created) this.#insert(got.group, origin);
    return got.group;
  }

  /** Runs `then(true)` once the group is on the target, `then(false)` when its INSERT was refused. */
  whenReady(group: MulticastGroup, then: (ok: boolean) => void): void {
    this.groups.whenReady(group, then);
  }

  #insert(group: MulticastGroup, origin: ErrorOrigin | undefined): void {
    const session = this.session;
    const write = (): void => {
      session.batcher.submit(
        { type: UpdateType.INSERT, entity: multicastEntity(group.id, group.replicas) },
        (s: UpdateStatus) => {
          session.logUpdate(s, "INSERT", `multicast_group ${group.id}`, origin);
          if (s.code !== 0 && s.code !== Code.ALREADY_EXISTS && session.troubled(s)) {
            const waiter: Waiter = { since: 0, resume: write, abandon: () => this.groups.settle(group, false) };
            session.defer(waiter);
            return;
          }
          this.groups.settle(group, s.code === 0 || s.code === Code.ALREADY_EXISTS);
        },
      );
    };
    if (session.ready) write();
    else session.defer({ since: 0, resume: write, abandon: () => this.groups.settle(group, false) });
  }

  /** One user fewer; the last one's leaving DELETEs the group from the target. */
  release(id: number): void {
    if (!this.groups.release(id)) return;
    const session = this.session;
    session.batcher.submit({ type: UpdateType.DELETE, entity: { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: id } } } }, (s) => {
      session.logUpdate(s, "DELETE", `multicast_group ${id}`, undefined);
      if (s.code !== 0 && s.code !== Code.NOT_FOUND) session.scheduleReconcile();
    });
  }
}
