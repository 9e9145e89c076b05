// Primary election per device on the StreamChannel, as PI's server does it
// (../shared/p4runtime-facts.md §2.7): the highest live election id is primary; a new or
// changed id that moves primacy tells every stream, otherwise only the sender; a repeated id
// gets no reply; a duplicate live id, a 17th stream or a device_id change ends the stream; when
// the primary closes, the highest remaining stream is promoted at once and everyone is told.
// Owns only who is primary; never touches forwarding state.
import type { p4 } from "../../src/generated/proto.js";
import { Code, OK, status, type P4Status } from "./status.js";
import { electionIdMessage } from "./wire.js";

/** One StreamChannel as the arbitration sees it. */
export interface StreamPeer {
  send(message: p4.v1.IStreamMessageResponse): void;
  /** Ends the stream with a status (the stream is then closed by the caller's transport). */
  end(code: Code, message: string): void;
}

interface Member {
  readonly deviceId: bigint;
  electionId: bigint;
}

/** Most streams one device accepts (PI). */
export const MAX_STREAMS_PER_DEVICE = 16;

export class Arbitration {
  private readonly members = new Map<StreamPeer, Member>();

  private ofDevice(deviceId: bigint): [StreamPeer, Member][] {
    return [...this.members].filter(([, m]) => m.deviceId === deviceId);
  }

  /** The primary stream of a device and its election id, if any stream arbitrated. */
  primary(deviceId: bigint): { peer: StreamPeer; electionId: bigint } | undefined {
    let best: { peer: StreamPeer; electionId: bigint } | undefined;
    for (const [peer, m] of this.members) {
      if (m.deviceId !== deviceId) continue;
      if (!best || m.electionId > best.electionId) best = { peer, electionId: m.electionId };
    }
    return best;
  }

  isPrimary(peer: StreamPeer): boolean {
    const m = this.members.get(peer);
    return m !== undefined && this.primary(m.deviceId)?.peer === peer;
  }

  /** A MasterArbitrationUpdate from `peer`. */
  update(peer: StreamPeer, deviceId: bigint, electionId: bigint): void {
    const mine = this.members.get(peer);
    if (mine && mine.deviceId !== deviceId) {
      peer.end(Code.FAILED_PRECONDITION, `Arbitration for device ${deviceId} on a stream of device ${mine.deviceId}`);
      return;
    }
    if (mine && mine.electionId === electionId) return;
    const peers = this.ofDevice(deviceId);
    if (peers.some(([p, m]) => p !== peer && m.electionId === electionId)) {
      peer.end(Code.INVALID_ARGUMENT, `Election id ${electionId} is already used by another stream`);
      return;
    }
    if (!mine && peers.length >= MAX_STREAMS_PER_DEVICE) {
      peer.end(Code.RESOURCE_EXHAUSTED, `Too many streams for device ${deviceId}`);
      return;
    }
    const before = this.primary(deviceId);
    if (mine) mine.electionId = electionId;
    else this.members.set(peer, { deviceId, electionId });
    const after = this.primary(deviceId)!;
    if (before?.peer !== after.peer) this.tellAll(deviceId);
    else this.tell(peer, deviceId, after);
  }

  /** The stream closed (half-close, cancel or error). */
  close(peer: StreamPeer): void {
    const m = this.members.get(peer);
    if (!m) return;
    const wasPrimary = this.isPrimary(peer);
    this.members.delete(peer);
    if (wasPrimary && this.primary(m.deviceId)) this.tellAll(m.deviceId);
  }

  /** Every stream, for the "drop the streams" knob. */
  peers(): StreamPeer[] {
    return [...this.members.keys()];
  }

  /**
   * Whether a Write or SetForwardingPipelineConfig carrying `electionId` (undefined when the
   * request has none) may change device `deviceId`.
   */
  checkWriter(deviceId: bigint, electionId: bigint | undefined): P4Status {
    const primary = this.primary(deviceId);
    if (!primary) return electionId === undefined ? OK : status(Code.PERMISSION_DENIED, "Not primary");
    if ((electionId ?? 0n) !== primary.electionId) return status(Code.PERMISSION_DENIED, "Not primary");
    return OK;
  }

  private tellAll(deviceId: bigint): void {
    const primary = this.primary(deviceId)!;
    for (const [peer] of this.ofDevice(deviceId)) this.tell(peer, deviceId, primary);
  }

  private tell(peer: StreamPeer, deviceId: bigint, primary: { peer: StreamPeer; electionId: bigint }): void {
    const isPrimary = primary.peer === peer;
    peer.send({
      arbitration: {
        deviceId,
        electionId: electionIdMessage(primary.electionId),
        status: isPrimary ? { code: Code.OK, message: "Is primary" } : { code: Code.ALREADY_EXISTS, message: "Is backup" },
      },
    });
  }
}
