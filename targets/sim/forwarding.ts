// The contract between the sim's P4Runtime device state (tables, counters, multicast
// groups) and its packet pipeline model of p4/ofp4.p4. The device implements
// ForwardingState; the pipeline is a function that moves one frame through the program
// and reports what leaves which port. Frames to the CPU port carry the packet_in
// controller header in front, exactly as the P4 deparser would emit it; the device strips
// it into PacketIn metadata. A PacketOut enters the pipeline on the CPU port with the
// packet_out header in front. Names are P4Info preamble names (e.g. "ingress.ofp_table_0").

export interface TableHit {
  /** P4Info name of the action that ran (the entry's, or the table's default action). */
  readonly action: string;
  /** Action parameters by P4Info param name. */
  readonly params: ReadonlyMap<string, bigint>;
  /** True when an entry matched, false when the default action ran. */
  readonly hit: boolean;
}

export interface ForwardingState {
  /**
   * Looks `key` (match-field name -> value) up in the table by priority, counts the hit in
   * the table's direct counter (packets and `bytes`), refreshes the entry's idle timer.
   */
  applyTable(table: string, key: ReadonlyMap<string, bigint>, bytes: number): TableHit;
  /** The replicas of a multicast group, or undefined when the group does not exist. */
  multicastGroup(groupId: number): readonly { readonly port: number; readonly instance: number }[] | undefined;
  /** Adds to cell `index` of an indirect counter. */
  countIndirect(counter: string, index: number, bytes: number): void;
}

export interface PipelineOutput {
  readonly port: number;
  readonly frame: Uint8Array;
}

/** Moves one frame that arrived on `inPort` through the program. */
export type Pipeline = (state: ForwardingState, inPort: number, frame: Uint8Array) => PipelineOutput[];

/** The CPU port of ofp4.p4 (bmv2 --cpu-port 255). */
export const CPU_PORT = 255;
