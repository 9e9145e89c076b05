// The packet buffers of one controller connection: packets sent in packet_in with a buffer
// id, kept so that a later flow_mod or packet_out can name them. A fixed ring of slots
// (memory bounded); a buffer id carries the slot and a generation, so a stale or reused id
// is told apart; each packet can be taken once. A slot is reused only when empty or older
// than `overwriteMs`; otherwise the packet is not buffered (OFP_NO_BUFFER).

import { ofError } from "../openflow/errors.js";
import { OFP_NO_BUFFER } from "../openflow/messages.js";
import { fail, ok, type Result } from "../openflow/result.js";
import type { BufferedPacket } from "./endpoint.js";

/** buffer_id meaning "not buffered" (OpenFlow 1.0 and 1.3). */

/** Slots in the ring: the low bits of a buffer id. */
const SLOT_BITS = 8;

export interface PacketBuffersOptions {
  /** Number of slots, at most 256; 0 turns buffering off. */
  readonly slots?: number;
  /** A slot holding a packet younger than this is not overwritten. */
  readonly overwriteMs?: number;
  readonly now?: () => number;
}

interface Slot {
  packet: BufferedPacket | undefined;
  generation: number;
  storedAt: number;
}

export class PacketBuffers {
  private readonly slots: Slot[];
  private readonly overwriteMs: number;
  private readonly now: () => number;
  private nextSlot = 0;

  constructor(options: PacketBuffersOptions = {}) {
    const n = options.slots ?? 256;
    if (!Number.isInteger(n) || n < 0 || n > 1 << SLOT_BITS) {
      throw new RangeError(`packet buffer slots must be 0..${1 << SLOT_BITS}, got ${n}`);
    }
    this.slots = Array.from({ length: n }, () => ({ packet: undefined, generation: 0, storedAt: 0 }));
    this.overwriteMs = options.overwriteMs ?? 5000;
    this.now = options.now ?? (() => performance.now());
  }

  get enabled(): boolean {
    return this.slots.length > 0;
  }

  /** Buffers a packet: its buffer id, or OFP_NO_BUFFER when off or every slot is young. */
  store(packet: BufferedPacket): number {
    const n = this.slots.length;
    if (n === 0) return OFP_NO_BUFFER;
    const t = this.now();
    for (let tried = 0; tried < n; tried++) {
      const index = this.nextSlot;
      this.nextSlot = (this.nextSlot + 1) % n;
      const slot = this.slots[index]!;
      if (slot.packet === undefined || t - slot.storedAt >= this.overwriteMs) {
        // Generations wrap inside 23 bits so that an id never equals OFP_NO_BUFFER.
        slot.generation = ((slot.generation + 1) & 0x7fffff) || 1;
        slot.packet = packet;
        slot.storedAt = t;
        return ((slot.generation << SLOT_BITS) | index) >>> 0;
      }
    }
    return OFP_NO_BUFFER;
  }

  /**
   * Takes the packet of `bufferId` (once). BAD_REQUEST_BUFFER_EMPTY if it was already taken,
   * BAD_REQUEST_BUFFER_UNKNOWN if the id was never given out or its slot was reused.
   */
  take(bufferId: number): Result<BufferedPacket> {
    const index = bufferId & ((1 << SLOT_BITS) - 1);
    const generation = bufferId >>> SLOT_BITS;
    const slot = this.slots[index];
    if (slot === undefined || bufferId === OFP_NO_BUFFER || slot.generation !== generation || generation === 0) {
      return fail(ofError("BAD_REQUEST_BUFFER_UNKNOWN", `buffer id 0x${(bufferId >>> 0).toString(16)} is unknown`));
    }
    const packet = slot.packet;
    if (packet === undefined) {
      return fail(ofError("BAD_REQUEST_BUFFER_EMPTY", `buffer id 0x${(bufferId >>> 0).toString(16)} was already used`));
    }
    slot.packet = undefined;
    return ok(packet);
  }

  /** Packets currently held. */
  get held(): number {
    return this.slots.reduce((n, s) => n + (s.packet === undefined ? 0 : 1), 0);
  }
}
