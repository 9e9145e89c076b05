// Global test setup: makes sure the Debian tools the suites drive are present, and that the
// built daemon in dist/ is current, before any test runs. A missing tool is installed with
// apt-get when we are root; otherwise the run stops at once with the exact command to run. No test ever skips for a missing tool.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ensureBuilt } from "../cli/process.js";

/** Debian package that provides each command the tests need. */
const REQUIRED: Record<string, string> = {
  "ovs-ofctl": "openvswitch-common",
  "ovs-vswitchd": "openvswitch-switch",
  "ovsdb-server": "openvswitch-switch",
  "ovs-vsctl": "openvswitch-switch",
  "ovs-testcontroller": "openvswitch-testcontroller",
  // os-ken (Ryu's maintained fork) for Debian's /usr/bin/python3, used by test/apps/.
  "/usr/lib/python3/dist-packages/os_ken/__init__.py": "python3-os-ken",
};

function have(command: string): boolean {
  if (command.startsWith("/")) return existsSync(command);
  return ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"].some((d) => existsSync(`${d}/${command}`));
}

export default function setup(): void {
  requireTools();
  // Tests that run the real ofp4 process use dist/: rebuild it once, before any worker starts,
  // when it is missing or older than the sources (npm install / npm ci build it too).
  ensureBuilt();
}

function requireTools(): void {
  const missing = Object.entries(REQUIRED).filter(([cmd]) => !have(cmd));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
  const line = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs.join(" ")}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`tests need ${missing.map(([c]) => c).join(", ")}; run as root: ${line}`);
  }
  execFileSync("sh", ["-c", line], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const still = missing.filter(([cmd]) => !have(cmd));
  if (still.length > 0) throw new Error(`apt-get did not provide ${still.map(([c]) => c).join(", ")}; run: ${line}`);
}
