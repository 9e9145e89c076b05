// Differential check of the ofp4.p4 model against real bmv2: starts the reference
// simple_switch_grpc (see p4/README.md; P4REF_RUN overrides its wrappers' dir) with no program,
// CPU port 255 and the dataplane service, and runs ../differential.ts's scenarios on it.
//   npx vitest run --config test/pipeline/bmv2/vitest.config.ts
import { spawn } from "node:child_process";
import { once } from "node:events";
import { CPU_PORT } from "../../../targets/sim/pipeline/program.js";
import { differentialSuite } from "../differential.js";
import { freePort } from "../../setup/bmv2-process.js";
import { SIMPLE_SWITCH_GRPC } from "../../setup/p4-tools.js";

differentialSuite("ofp4.p4 model vs bmv2 simple_switch_grpc", async () => {
  const [rt, dp] = [await freePort(), await freePort()];
  const bmv2 = spawn(SIMPLE_SWITCH_GRPC, [
    "--no-p4", "--device-id", "0", "--log-file", "/tmp/ofp4-bmv2-diff", "--log-flush", "-L", "info", "--",
    "--grpc-server-addr", `127.0.0.1:${rt}`, "--cpu-port", String(CPU_PORT), "--dp-grpc-server-addr", `127.0.0.1:${dp}`,
  ], { stdio: "ignore" });
  return {
    p4runtimeAddress: `127.0.0.1:${rt}`,
    dataplaneAddress: `127.0.0.1:${dp}`,
    quietMs: 200,
    async stop() {
      if (bmv2.exitCode !== null) return;
      const exited = once(bmv2, "exit");
      bmv2.kill("SIGTERM");
      await exited;
    },
  };
});
