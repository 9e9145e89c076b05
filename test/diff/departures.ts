// Where ofp4's transcript may differ from Open vSwitch's in the differential scripts.
// DEPARTURES are deliberate, each with its reason (the README's list is made from this one): the
// step is run on both switches and only the comparison is waived. KNOWN_DIFFERENCES are bugs
// found by these scripts and not fixed yet: the test asserts the step still differs, so a fix
// makes it fail until the entry is removed. Everything not listed must be identical.

export interface Departure {
  readonly script: string;
  /** Index of the step in the script (0-based). */
  readonly step: number;
  readonly reason: string;
}

const PORT_LIST =
  "ofp4 translates OpenFlow port numbers to P4 target ports through its configured port list (src/offload/translate.ts), so a rule or packet-out naming a port that is not on the list has no P4 value and is refused when it arrives; Open vSwitch accepts rules for ports that may appear later (any number below 0xff00)";

export const DEPARTURES: readonly Departure[] = [
  {
    script: "invalid table id",
    step: 0,
    reason: "table 254 is Open vSwitch's hidden internal table (read-only: OFPBRC_EPERM); ofp4 has tables 0-3 only, so 254 is a table that does not exist: OFPFMFC_BAD_TABLE_ID",
  },
  { script: "invalid table id", step: 1, reason: "as step 0, for MODIFY" },
  { script: "output to a port that does not exist", step: 0, reason: PORT_LIST },
  { script: "output to a port that does not exist", step: 1, reason: PORT_LIST },
  { script: "output to a port that does not exist", step: 2, reason: PORT_LIST },
  { script: "in_port that the switch does not have but could", step: 0, reason: PORT_LIST },
  { script: "in_port that the switch does not have but could", step: 1, reason: PORT_LIST },
  { script: "in_port that the switch does not have but could", step: 2, reason: PORT_LIST },
  { script: "packet-out to a port and to a bad port", step: 2, reason: PORT_LIST },
  {
    script: "in_port that does not exist",
    step: 0,
    reason:
      "ofp4's P4 program carries ports in 9 bits (bmv2's standard_metadata; ports 1-510 less the CPU port 255), so in_port=1000 cannot be matched and is refused with OFPBMC_BAD_VALUE; Open vSwitch accepts any port number up to 0xff00",
  },
  { script: "in_port that does not exist", step: 1, reason: "follows from step 0: the rule was not added" },
  {
    script: "goto_table beyond the last table",
    step: 0,
    reason: "ofp4's P4 program has four OpenFlow tables (0-3), Open vSwitch 254: goto_table:253 is OFPBIC_BAD_TABLE_ID on ofp4",
  },
  { script: "goto_table beyond the last table", step: 1, reason: "follows from step 0: the rule was not added" },
  {
    script: "port_mod config bits set and cleared (every port back as it was)",
    step: 4,
    reason:
      "ofp4 enforces port config in its P4 program, which cannot tell a flood copy from an explicit output, so OFPPC_NO_FLOOD is refused (OFPPMFC_BAD_CONFIG; OpenFlow 1.0 has no such code, so Nicira's NXBRC_UNENCODABLE_ERROR) rather than accepted and not enforced; Open vSwitch enforces it",
  },
];

export const KNOWN_DIFFERENCES: readonly Departure[] = [];

export function departureFor(script: string, step: number): Departure | undefined {
  return DEPARTURES.find((d) => d.script === script && d.step === step);
}

export function knownDifferenceFor(script: string, step: number): Departure | undefined {
  return KNOWN_DIFFERENCES.find((d) => d.script === script && d.step === step);
}
