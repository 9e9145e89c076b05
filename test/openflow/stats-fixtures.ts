// Loads test/fixtures/openflow/stats-golden.json (made by stats-capture.mjs: ovs-ofctl 3.1
// against a real ovs-vswitchd through a recording proxy) and keeps the stats messages of each
// command. Shared by the stats tests; no test of its own.

import { readFileSync } from "node:fs";

export interface Captured {
  readonly conn: number;
  readonly dir: "c2s" | "s2c";
  readonly hex: string;
}
export interface Fixture {
  readonly command: string;
  readonly args: string[];
  readonly stdout: string;
  readonly truncated: boolean;
  readonly messages: Captured[];
}
export interface Golden {
  readonly fixtures: Fixture[];
  readonly mods: { command: string; stderr: string; messages: Captured[] }[];
}

const raw: Golden = JSON.parse(readFileSync(new URL("../fixtures/openflow/stats-golden.json", import.meta.url), "utf8")) as Golden;

/** Stats messages only: OF1.0 16/17 (18/19 are its barrier), OF1.3 18/19. */
function isStats(hex: string): boolean {
  const version = parseInt(hex.slice(0, 2), 16);
  const type = parseInt(hex.slice(2, 4), 16);
  return version === 1 ? type === 16 || type === 17 : type === 18 || type === 19;
}

export const golden: Golden = {
  ...raw,
  fixtures: raw.fixtures.map((f) => ({ ...f, messages: f.messages.filter((m) => isStats(m.hex)) })),
};

