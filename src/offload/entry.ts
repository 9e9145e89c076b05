// What the offload provider keeps per rule (rule.providerState): the rule's table entry by its
// identity — the canonical key bytes written at its ADD and used for every MODIFY, DELETE,
// counter and read-back after (p4runtime/entity-key.ts) — whether the target holds it as
// acknowledged, the multicast group it sends to, and its counters. A small record: the entry
// itself is never kept; it is written again from the rule when needed. Never does I/O.

import { ProviderRuleState } from "../ofproto/provider.js";
import type { Rule } from "../ofproto/rule.js";
import type { TableMap } from "./mapping.js";
import type { MulticastGroup } from "./multicast.js";

const ZERO = 0n;

export class Entry extends ProviderRuleState {
  /** The target holds this entry as the rule said when its last write was acknowledged. */
  installed = false;
  /** An operation (or its read-back) is in flight on this entry. */
  busy = false;
  /** The multicast group the installed entry sends to. */
  group: MulticastGroup | undefined = undefined;
  /** The rule's counts: what the target counted, kept across a target that lost its counters. */
  packets = ZERO;
  bytes = ZERO;
  /** The entry's direct counter as last read from the target. */
  rawPackets = ZERO;
  rawBytes = ZERO;
  /** Core clock (ms) of the last poll that saw the packet counter move; -1: never. */
  lastUsed = -1;

  constructor(
    readonly rule: Rule,
    /** The entry's identity (table id, match, priority) as canonical TableEntry bytes, latin1. */
    readonly key: string,
    readonly table: TableMap,
  ) {
    super();
  }

  /** Takes over a replaced entry's target state and (unless reset) its counts: same key, new rule. */
  inherit(victim: Entry, keepCounts: boolean): void {
    this.installed = victim.installed;
    this.group = victim.group;
    if (keepCounts) {
      this.packets = victim.packets;
      this.bytes = victim.bytes;
      this.rawPackets = victim.rawPackets;
      this.rawBytes = victim.rawBytes;
      this.lastUsed = victim.lastUsed;
    }
  }

  resetCounts(): void {
    this.packets = this.bytes = this.rawPackets = this.rawBytes = ZERO;
  }

  /** The target (re)created the entry: its direct counter starts at zero; what was counted stays the rule's. */
  written(): void {
    this.rawPackets = this.rawBytes = ZERO;
  }

  /** A direct counter value read from the target at `now` (core clock). */
  counted(packets: bigint, bytes: bigint, now: number): void {
    // A counter that went back means the target lost it (restarted; the entry was written again):
    // what it had counted stays in the rule's statistics, as flow counters never go back.
    const restarted = packets < this.rawPackets || bytes < this.rawBytes;
    const dp = restarted ? packets : packets - this.rawPackets;
    const db = restarted ? bytes : bytes - this.rawBytes;
    this.rawPackets = packets;
    this.rawBytes = bytes;
    if (dp > ZERO) {
      this.lastUsed = now;
      this.packets += dp;
    }
    if (db > ZERO) this.bytes += db;
  }
}

/** The provider's state of a rule, when it has one. */
export function entryOf(rule: Rule): Entry | undefined {
  const st = rule.providerState;
  return st instanceof Entry ? st : undefined;
}
