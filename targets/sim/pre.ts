// The packet replication engine of the sim's device: multicast groups and clone sessions,
// written and read with PI/bmv2's rules and codes (../shared/p4runtime-facts.md §2.6, checked
// against bmv2 1.15.5 by test/conformance).
// Replicas remember the form a port was written in (egress_port, or `port` bytes of some
// length) so reads give it back that way. Never touches tables or counters.
import type { p4 } from "../../src/generated/proto.js";
import { toBigInt } from "./bitstring.js";
import { bad, Code, good, OK, status, type Checked, type P4Status } from "./status.js";

export interface StoredReplica {
  readonly port: number;
  readonly instance: number;
  /** 0: written as egress_port; n: written as `port` of n bytes. */
  readonly portBytes: number;
}

interface CloneSession {
  readonly replicas: StoredReplica[];
  readonly classOfService: number;
  readonly packetLengthBytes: number;
}

/** Group ids from here on belong to clone sessions in bmv2. */
const GROUP_ID_LIMIT = 32768;

export class ReplicationEngine {
  readonly groups = new Map<number, StoredReplica[]>();
  private readonly sessions = new Map<number, CloneSession>();

  clear(): void {
    this.groups.clear();
    this.sessions.clear();
  }

  write(type: number, entry: p4.v1.IPacketReplicationEngineEntry): P4Status {
    if (entry.multicastGroupEntry) return this.writeGroup(type, entry.multicastGroupEntry);
    if (entry.cloneSessionEntry) return this.writeSession(type, entry.cloneSessionEntry);
    return status(Code.INVALID_ARGUMENT, "PacketReplicationEngineEntry has neither a multicast group nor a clone session");
  }

  private writeGroup(type: number, g: p4.v1.IMulticastGroupEntry): P4Status {
    const id = g.multicastGroupId ?? 0;
    if (id === 0) return status(Code.INVALID_ARGUMENT, "Multicast group id 0 is invalid");
    if (id >= GROUP_ID_LIMIT) return status(Code.OUT_OF_RANGE, `Multicast group id ${id} is out of range (< ${GROUP_ID_LIMIT})`);
    if (type === 3) {
      if (!this.groups.delete(id)) return status(Code.NOT_FOUND, `Multicast group ${id} does not exist`);
      return OK;
    }
    const replicas = checkReplicas(g.replicas ?? [], `multicast group ${id}`);
    if (!replicas.ok) return replicas.status;
    if (type === 1) {
      if (this.groups.has(id)) return status(Code.ALREADY_EXISTS, `Multicast group ${id} already exists`);
    } else if (!this.groups.has(id)) return status(Code.NOT_FOUND, `Multicast group ${id} does not exist`);
    this.groups.set(id, replicas.value);
    return OK;
  }

  private writeSession(type: number, s: p4.v1.ICloneSessionEntry): P4Status {
    const id = s.sessionId ?? 0;
    if (id === 0) return status(Code.INVALID_ARGUMENT, "Clone session id 0 is invalid");
    if (id >= GROUP_ID_LIMIT) return status(Code.OUT_OF_RANGE, `Clone session id ${id} is out of range (< ${GROUP_ID_LIMIT})`);
    if (type === 3) {
      if (!this.sessions.delete(id)) return status(Code.NOT_FOUND, `Clone session ${id} does not exist`);
      return OK;
    }
    const replicas = checkReplicas(s.replicas ?? [], `clone session ${id}`);
    if (!replicas.ok) return replicas.status;
    // bmv2 1.15.5: no class of service, and no truncation of clones.
    if ((s.classOfService ?? 0) !== 0) return status(Code.UNIMPLEMENTED, "COS for clone sessions not supported yet");
    if ((s.packetLengthBytes ?? 0) !== 0) return status(Code.UNKNOWN, "Error when creating clone session in target");
    if (type === 1) {
      if (this.sessions.has(id)) return status(Code.ALREADY_EXISTS, `Clone session ${id} already exists`);
    } else if (!this.sessions.has(id)) return status(Code.NOT_FOUND, `Clone session ${id} does not exist`);
    this.sessions.set(id, { replicas: replicas.value, classOfService: s.classOfService ?? 0, packetLengthBytes: s.packetLengthBytes ?? 0 });
    return OK;
  }

  read(entry: p4.v1.IPacketReplicationEngineEntry, out: p4.v1.IEntity[]): P4Status {
    if (entry.multicastGroupEntry) {
      const id = entry.multicastGroupEntry.multicastGroupId ?? 0;
      if (id === 0) {
        for (const [gid, replicas] of [...this.groups].sort((a, b) => a[0] - b[0])) out.push(groupEntity(gid, replicas));
        return OK;
      }
      if (id >= GROUP_ID_LIMIT) return status(Code.OUT_OF_RANGE, `Multicast group id ${id} is out of range (< ${GROUP_ID_LIMIT})`);
      const replicas = this.groups.get(id);
      if (!replicas) return status(Code.NOT_FOUND, `Multicast group ${id} does not exist`);
      out.push(groupEntity(id, replicas));
      return OK;
    }
    if (entry.cloneSessionEntry) {
      const id = entry.cloneSessionEntry.sessionId ?? 0;
      const pick = id === 0 ? [...this.sessions].sort((a, b) => a[0] - b[0]) : this.sessions.has(id) ? [[id, this.sessions.get(id)!] as const] : [];
      if (id !== 0 && pick.length === 0) return status(Code.NOT_FOUND, `Clone session ${id} does not exist`);
      for (const [sid, s] of pick) {
        out.push({
          packetReplicationEngineEntry: {
            cloneSessionEntry: { sessionId: sid, replicas: replicaMessages(s.replicas), classOfService: s.classOfService, packetLengthBytes: s.packetLengthBytes },
          },
        });
      }
      return OK;
    }
    return status(Code.INVALID_ARGUMENT, "PacketReplicationEngineEntry read needs a multicast group or clone session");
  }
}

function checkReplicas(replicas: p4.v1.IReplica[], what: string): Checked<StoredReplica[]> {
  const out: StoredReplica[] = [];
  const seen = new Set<string>();
  for (const r of replicas) {
    let port: number;
    let portBytes: number;
    if (r.port !== null && r.port !== undefined && r.portKind === "port") {
      if (r.port.length === 0) return bad(Code.INVALID_ARGUMENT, `Replica of ${what} has an empty port`);
      if (r.port.length > 4) return bad(Code.UNIMPLEMENTED, `Replica port of ${what} is wider than 4 bytes`);
      port = Number(toBigInt(r.port));
      portBytes = r.port.length;
    } else if (r.portKind === "egressPort") {
      port = r.egressPort ?? 0;
      portBytes = 0;
    } else return bad(Code.INVALID_ARGUMENT, `Replica of ${what} has no port`);
    const instance = r.instance ?? 0;
    const k = `${port}/${instance}`;
    if (seen.has(k)) return bad(Code.INVALID_ARGUMENT, `Duplicate replica (port ${port}, instance ${instance}) in ${what}`);
    seen.add(k);
    out.push({ port, instance, portBytes });
  }
  return good(out);
}

function replicaMessages(replicas: readonly StoredReplica[]): p4.v1.IReplica[] {
  // bmv2 reads replicas back in port order.
  const sorted = [...replicas].sort((a, b) => a.port - b.port || a.instance - b.instance);
  return sorted.map((r) => {
    if (r.portBytes === 0) return { egressPort: r.port, instance: r.instance };
    const bytes = new Uint8Array(r.portBytes);
    let v = r.port;
    for (let i = r.portBytes - 1; i >= 0; i--) {
      bytes[i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    return { port: bytes, instance: r.instance };
  });
}

function groupEntity(id: number, replicas: readonly StoredReplica[]): p4.v1.IEntity {
  return { packetReplicationEngineEntry: { multicastGroupEntry: { multicastGroupId: id, replicas: replicaMessages(replicas) } } };
}
