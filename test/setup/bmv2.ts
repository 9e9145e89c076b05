// Setup of `npm run test:bmv2`: finds the real tools (simple_switch_grpc and p4c-bm2-ss, from
// ../shared/p4-reference or the user's own build) and makes dist/ current. A missing tool stops
// the run at once with one line naming it and how to get it; nothing in this suite ever skips.
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { ensureBuilt } from "../cli/process.js";
import { P4_TOOLS_DIR } from "./p4-tools.js";

export default function setup(): void {
  for (const tool of ["simple_switch_grpc", "p4c-bm2-ss"]) {
    const file = join(P4_TOOLS_DIR, tool);
    try {
      accessSync(file, constants.X_OK);
    } catch {
      throw new Error(
        `test:bmv2 needs ${file} (not executable or missing): run \`export P4REF_RUN=$(../shared/p4-reference/install.sh /opt/p4ref)\`, ` +
          `or point P4REF_RUN at a directory holding your own simple_switch_grpc and p4c-bm2-ss`,
      );
    }
  }
  ensureBuilt();
}
