// Default async config (OpenFlow 1.3 §7.3.10, as Open vSwitch sets it) and the role filter.
import { describe, expect, it } from "vitest";
import { defaultAsyncConfig, wantsAsync } from "../../src/connmgr/async-config.js";

describe("async config", () => {
  const config = defaultAsyncConfig();
  it("master and equal get packet_in no_match and action, every port_status and flow_removed", () => {
    for (const role of ["master", "equal"] as const) {
      expect(wantsAsync(config, role, "packetIn", 0)).toBe(true);
      expect(wantsAsync(config, role, "packetIn", 1)).toBe(true);
      expect(wantsAsync(config, role, "packetIn", 2)).toBe(false);
      for (const r of [0, 1, 2]) expect(wantsAsync(config, role, "portStatus", r)).toBe(true);
      for (const r of [0, 1, 2, 3]) expect(wantsAsync(config, role, "flowRemoved", r)).toBe(true);
    }
  });
  it("a slave gets port_status only", () => {
    for (const r of [0, 1, 2]) {
      expect(wantsAsync(config, "slave", "packetIn", r)).toBe(false);
      expect(wantsAsync(config, "slave", "portStatus", r)).toBe(true);
      expect(wantsAsync(config, "slave", "flowRemoved", r)).toBe(false);
    }
  });
  it("follows a changed mask and ignores reasons outside 0..31", () => {
    const custom = { ...config, packetIn: [0b100, 0b1] as const };
    expect(wantsAsync(custom, "master", "packetIn", 2)).toBe(true);
    expect(wantsAsync(custom, "master", "packetIn", 0)).toBe(false);
    expect(wantsAsync(custom, "slave", "packetIn", 0)).toBe(true);
    expect(wantsAsync(custom, "master", "packetIn", 40)).toBe(false);
  });
});
