// OpenFlow 1.3 instructions (goto_table, write_metadata, write/apply/clear actions, meter)
// to and from the internal Instructions. Each instruction type appears at most once; they are
// written in execution order (meter, apply, clear, write, write_metadata, goto), which is also
// the order Open vSwitch writes. Decoding returns BAD_INSTRUCTION_* / BAD_ACTION_* values.

import type { Action, Instructions } from "./actions.js";
import { decodeActions, validOutPort, writeActions } from "./action-codec.js";
import { ofError } from "./errors.js";
import { fail, ok, type Result } from "./result.js";
import { Writer, viewOf } from "./wire.js";

export const OFPIT = {
  GOTO_TABLE: 1,
  WRITE_METADATA: 2,
  WRITE_ACTIONS: 3,
  APPLY_ACTIONS: 4,
  CLEAR_ACTIONS: 5,
  METER: 6,
  EXPERIMENTER: 0xffff,
} as const;

const badLen = (what: string): Result<never> => fail(ofError("BAD_INSTRUCTION_BAD_LEN", what));

/** Instructions of one output, shared by every flow_mod that has them (bounded). */
const SHARED_OUTPUT = new Map<number, Instructions>();
const SHARED_OUTPUT_MAX = 4096;

/**
 * decodeInstructions' common case, for the flow_mod hot path: exactly one APPLY_ACTIONS
 * holding one valid OUTPUT. Gives one frozen Instructions object per (port, max_len), shared by
 * every flow that has them (no object per flow); undefined for anything else.
 */
export function sharedSingleOutput(buf: Uint8Array, offset: number, length: number): Instructions | undefined {
  if (length !== 24 || offset + 24 > buf.length) return undefined;
  const a = offset + 8;
  if (buf[offset] !== 0 || buf[offset + 1] !== OFPIT.APPLY_ACTIONS || buf[offset + 2] !== 0 || buf[offset + 3] !== 24) return undefined;
  if (buf[a] !== 0 || buf[a + 1] !== 0 || buf[a + 2] !== 0 || buf[a + 3] !== 16) return undefined;
  const port = ((buf[a + 4]! << 24) | (buf[a + 5]! << 16) | (buf[a + 6]! << 8) | buf[a + 7]!) >>> 0;
  if (!validOutPort(port)) return undefined;
  const maxLen = (buf[a + 8]! << 8) | buf[a + 9]!;
  const key = port * 0x10000 + maxLen;
  let ins = SHARED_OUTPUT.get(key);
  if (ins === undefined) {
    const output: Action = Object.freeze({ type: "output", port, maxLen });
    ins = Object.freeze({ applyActions: Object.freeze([output]), clearActions: false, writeActions: undefined, writeMetadata: undefined, gotoTable: undefined, meterId: undefined });
    if (SHARED_OUTPUT.size < SHARED_OUTPUT_MAX) SHARED_OUTPUT.set(key, ins);
  }
  return ins;
}

/** Decodes the instructions in buf[offset, offset+length). `version` must be 0x04. */
export function decodeInstructions(version: number, buf: Uint8Array, offset: number, length: number): Result<Instructions> {
  if (version === 0x01) {
    return fail(ofError("BAD_INSTRUCTION_UNKNOWN_INST", "OpenFlow 1.0 has no instructions"));
  }
  const end = offset + length;
  if (length < 0 || end > buf.length) return badLen("instructions run past the message");
  const v = viewOf(buf);
  let applyActions: readonly Action[] = [];
  let clearActions = false;
  let writeActions: readonly Action[] | undefined;
  let writeMetadata: { value: bigint; mask: bigint } | undefined;
  let gotoTable: number | undefined;
  let meterId: number | undefined;
  const seen = new Set<number>();
  for (let at = offset; at < end; ) {
    if (end - at < 4) return badLen(`instruction header with ${end - at} bytes left`);
    const type = v.getUint16(at);
    const len = v.getUint16(at + 2);
    if (len < 8 || len % 8 !== 0 || at + len > end) return badLen(`instruction type ${type} has length ${len}`);
    if (seen.has(type)) return fail(ofError("BAD_INSTRUCTION_UNSUP_INST", `instruction type ${type} given twice`));
    seen.add(type);
    switch (type) {
      case OFPIT.GOTO_TABLE:
        if (len !== 8) return badLen(`goto_table has length ${len}`);
        gotoTable = buf[at + 4]!;
        break;
      case OFPIT.WRITE_METADATA:
        if (len !== 24) return badLen(`write_metadata has length ${len}`);
        writeMetadata = { value: v.getBigUint64(at + 8), mask: v.getBigUint64(at + 16) };
        break;
      case OFPIT.WRITE_ACTIONS:
      case OFPIT.APPLY_ACTIONS: {
        const actions = decodeActions(version, buf, at + 8, len - 8);
        if (!actions.ok) return actions;
        if (type === OFPIT.APPLY_ACTIONS) applyActions = actions.value;
        else writeActions = actions.value;
        break;
      }
      case OFPIT.CLEAR_ACTIONS:
        if (len !== 8) return badLen(`clear_actions has length ${len}`);
        clearActions = true;
        break;
      case OFPIT.METER:
        if (len !== 8) return badLen(`meter has length ${len}`);
        meterId = v.getUint32(at + 4);
        break;
      case OFPIT.EXPERIMENTER:
        return fail(ofError("BAD_INSTRUCTION_BAD_EXPERIMENTER", `experimenter instruction 0x${v.getUint32(at + 4).toString(16)}`));
      default:
        return fail(ofError("BAD_INSTRUCTION_UNKNOWN_INST", `instruction type ${type}`));
    }
    at += len;
  }
  return ok({ applyActions, clearActions, writeActions, writeMetadata, gotoTable, meterId });
}

/** Writes `ins` as OpenFlow 1.3 instructions. An empty apply list with nothing else writes nothing (drop). */
export function writeInstructions(w: Writer, ins: Instructions): void {
  if (ins.meterId !== undefined) w.u16(OFPIT.METER).u16(8).u32(ins.meterId);
  if (ins.applyActions.length > 0) writeActionInstruction(w, OFPIT.APPLY_ACTIONS, ins.applyActions);
  if (ins.clearActions) w.u16(OFPIT.CLEAR_ACTIONS).u16(8).zeros(4);
  if (ins.writeActions !== undefined) writeActionInstruction(w, OFPIT.WRITE_ACTIONS, ins.writeActions);
  if (ins.writeMetadata !== undefined) {
    w.u16(OFPIT.WRITE_METADATA).u16(24).zeros(4).u64(ins.writeMetadata.value).u64(ins.writeMetadata.mask);
  }
  if (ins.gotoTable !== undefined) w.u16(OFPIT.GOTO_TABLE).u16(8).u8(ins.gotoTable).zeros(3);
}

function writeActionInstruction(w: Writer, type: number, actions: readonly Action[]): void {
  const start = w.length;
  w.u16(type).u16(0).zeros(4);
  writeActions(w, 0x04, actions);
  w.setU16(start + 2, w.length - start);
}

export function encodeInstructions(_version: number, ins: Instructions): Uint8Array {
  const w = new Writer(64);
  writeInstructions(w, ins);
  return w.finish();
}
