// Port numbers and port descriptions on the wire. Internally every port is an OpenFlow 1.3
// 32-bit number; OpenFlow 1.0's 16-bit reserved ports (0xff00..0xffff) map to
// 0xffffff00..0xffffffff. Encodes and decodes ofp_phy_port (1.0, 48 bytes) and ofp_port
// (1.3, 64 bytes); feature bits are kept in 1.3's layout. Pure functions; never throws.

import type { PortDesc } from "./messages.js";
import { readStr, viewOf, type Writer } from "./wire.js";

export const OFP10_PHY_PORT_LEN = 48;
export const OFP13_PORT_LEN = 64;

/** OpenFlow 1.0 port number -> OpenFlow 1.3 port number. */
export function port16to32(p: number): number {
  return p >= 0xff00 ? (p + 0xffff0000) >>> 0 : p;
}

/**
 * OpenFlow 1.3 port number -> OpenFlow 1.0 port number. Reserved ports map back; a physical
 * port above 1.0's range (0xff00) has no 1.0 number and becomes 0xff00 (OFPP_MAX), never a
 * reserved port by accident.
 */
export function port32to16(p: number): number {
  if (p >= 0xffffff00) return p - 0xffff0000;
  return p >= 0xff00 ? 0xff00 : p;
}

/** OpenFlow 1.0 port feature bits -> 1.3 layout (COPPER.. move up 4 bits). */
export function features10to13(f: number): number {
  return ((f & 0x7f) | ((f & 0xf80) << 4)) >>> 0;
}

/** OpenFlow 1.3 port feature bits -> 1.0 layout (40G/100G/1T/OTHER have no 1.0 bit). */
export function features13to10(f: number): number {
  return ((f & 0x7f) | ((f >>> 4) & 0xf80)) >>> 0;
}

export function decodePortDesc(version: number, b: Uint8Array, at: number): PortDesc {
  const v = viewOf(b);
  if (version === 0x01) {
    return {
      portNo: port16to32(v.getUint16(at)),
      hwAddr: b.slice(at + 2, at + 8),
      name: readStr(b, at + 8, 16),
      config: v.getUint32(at + 24),
      state: v.getUint32(at + 28),
      curr: features10to13(v.getUint32(at + 32)),
      advertised: features10to13(v.getUint32(at + 36)),
      supported: features10to13(v.getUint32(at + 40)),
      peer: features10to13(v.getUint32(at + 44)),
      currSpeed: 0,
      maxSpeed: 0,
    };
  }
  return {
    portNo: v.getUint32(at),
    hwAddr: b.slice(at + 8, at + 14),
    name: readStr(b, at + 16, 16),
    config: v.getUint32(at + 32),
    state: v.getUint32(at + 36),
    curr: v.getUint32(at + 40),
    advertised: v.getUint32(at + 44),
    supported: v.getUint32(at + 48),
    peer: v.getUint32(at + 52),
    currSpeed: v.getUint32(at + 56),
    maxSpeed: v.getUint32(at + 60),
  };
}

function hw(w: Writer, a: Uint8Array): void {
  for (let i = 0; i < 6; i++) w.u8(a[i] ?? 0);
}

export function writePortDesc(w: Writer, version: number, p: PortDesc): void {
  if (version === 0x01) {
    w.u16(port32to16(p.portNo));
    hw(w, p.hwAddr);
    w.str(p.name, 16);
    w.u32(p.config).u32(p.state);
    w.u32(features13to10(p.curr)).u32(features13to10(p.advertised));
    w.u32(features13to10(p.supported)).u32(features13to10(p.peer));
    return;
  }
  w.u32(p.portNo).zeros(4);
  hw(w, p.hwAddr);
  w.zeros(2).str(p.name, 16);
  w.u32(p.config).u32(p.state).u32(p.curr).u32(p.advertised).u32(p.supported).u32(p.peer);
  w.u32(p.currSpeed).u32(p.maxSpeed);
}
