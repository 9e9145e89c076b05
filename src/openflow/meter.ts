// METER_MOD (OpenFlow 1.3 ofp_meter_mod) and the meter band lists that METER_MOD and the
// meter-config multipart share: decode and encode, both directions. Errors are values; an
// OpenFlow 1.0 connection has no meters (BAD_TYPE). Never decides whether a meter can be
// installed (the core answers METER_MOD with OUT_OF_METERS in round 1).

import { ofError } from "./errors.js";
import type { OfVersion } from "./messages.js";
import { METER_MOD_COMMAND_CODES, type MeterBand, type MeterMod, type MeterModCommand } from "./multipart-types.js";
import { fail, ok, type Result } from "./result.js";
import { WireReader } from "./multipart-wire.js";
import { Writer } from "./wire.js";

export type { MeterBand, MeterMod, MeterModCommand } from "./multipart-types.js";

/** OFPT_METER_MOD message type (OpenFlow 1.3). */
export const OFPT13_METER_MOD = 29;

/** OFPMBT_* band types. */
export const OFPMBT = { DROP: 1, DSCP_REMARK: 2, EXPERIMENTER: 0xffff } as const;

const BAND_LEN = 16;

/** Decodes `length` bytes of ofp_meter_band structures at `offset`. */
export function decodeMeterBands(r: WireReader, offset: number, length: number): Result<MeterBand[]> {
  const bands: MeterBand[] = [];
  let o = offset;
  const end = offset + length;
  while (o < end) {
    if (!r.has(o, 4) || o + 4 > end) return fail(ofError("BAD_REQUEST_BAD_LEN", `meter band list ends with ${end - o} leftover bytes`));
    const type = r.u16(o);
    const len = r.u16(o + 2);
    if (len < BAND_LEN || len % 8 !== 0 || o + len > end) {
      return fail(ofError("BAD_REQUEST_BAD_LEN", `meter band length ${len} at offset ${o - offset}`));
    }
    const rate = r.u32(o + 4);
    const burstSize = r.u32(o + 8);
    switch (type) {
      case OFPMBT.DROP:
        bands.push({ type: "drop", rate, burstSize });
        break;
      case OFPMBT.DSCP_REMARK:
        bands.push({ type: "dscp_remark", rate, burstSize, precLevel: r.u8(o + 12) });
        break;
      case OFPMBT.EXPERIMENTER:
        bands.push({ type: "experimenter", rate, burstSize, experimenter: r.u32(o + 12) });
        break;
      default:
        return fail(ofError("METER_MOD_FAILED_BAD_BAND", `meter band type ${type}`));
    }
    o += len;
  }
  return ok(bands);
}

export function encodeMeterBands(w: Writer, bands: readonly MeterBand[]): void {
  for (const b of bands) {
    switch (b.type) {
      case "drop":
        w.u16(OFPMBT.DROP).u16(BAND_LEN).u32(b.rate).u32(b.burstSize).zeros(4);
        break;
      case "dscp_remark":
        w.u16(OFPMBT.DSCP_REMARK).u16(BAND_LEN).u32(b.rate).u32(b.burstSize).u8(b.precLevel).zeros(3);
        break;
      case "experimenter":
        w.u16(OFPMBT.EXPERIMENTER).u16(BAND_LEN).u32(b.rate).u32(b.burstSize).u32(b.experimenter);
        break;
    }
  }
}

/**
 * Decodes a METER_MOD body (the message without its 8-byte header). Returns BAD_LEN for a
 * short body or band, METER_MOD_FAILED_BAD_COMMAND for an unknown command, BAD_BAND for an
 * unknown band type.
 */
export function decodeMeterMod(version: OfVersion, body: Uint8Array): Result<MeterMod> {
  if (version !== 0x04) return fail(ofError("BAD_REQUEST_BAD_TYPE", "METER_MOD needs OpenFlow 1.3"));
  const r = new WireReader(body);
  if (!r.has(0, 8)) return fail(ofError("BAD_REQUEST_BAD_LEN", `METER_MOD body of ${body.length} bytes`));
  const cmdCode = r.u16(0);
  const command = (Object.keys(METER_MOD_COMMAND_CODES) as MeterModCommand[]).find((c) => METER_MOD_COMMAND_CODES[c] === cmdCode);
  if (command === undefined) return fail(ofError("METER_MOD_FAILED_BAD_COMMAND", `meter_mod command ${cmdCode}`));
  const bands = decodeMeterBands(r, 8, body.length - 8);
  if (!bands.ok) return bands;
  return ok({ command, flags: r.u16(2), meterId: r.u32(4), bands: bands.value });
}

/** Encodes a whole OFPT_METER_MOD message (OpenFlow 1.3 header included). */
export function encodeMeterMod(version: OfVersion, xid: number, mm: MeterMod): Uint8Array {
  const w = new Writer(64);
  w.u8(version).u8(OFPT13_METER_MOD).u16(0).u32(xid);
  w.u16(METER_MOD_COMMAND_CODES[mm.command]).u16(mm.flags).u32(mm.meterId);
  encodeMeterBands(w, mm.bands);
  w.setU16(2, w.length);
  return w.finish();
}
