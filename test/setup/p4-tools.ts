// Where the bmv2 suite finds the real P4 tools: P4REF_RUN (the wrappers' directory printed by
// ../shared/p4-reference/install.sh, or any directory with simple_switch_grpc and p4c-bm2-ss),
// else the reference install under /opt/p4ref.
import { join } from "node:path";

export const P4_TOOLS_DIR = process.env.P4REF_RUN ?? "/opt/p4ref/p4-reference/run";
export const SIMPLE_SWITCH_GRPC = join(P4_TOOLS_DIR, "simple_switch_grpc");
export const P4C_BM2_SS = join(P4_TOOLS_DIR, "p4c-bm2-ss");
