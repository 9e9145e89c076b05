// The same differential scenarios against ofp4's own sim (targets/sim, in process, over real
// gRPC on loopback): the sim's device state plus the pipeline model must give what the model
// alone gives, exactly as real bmv2 does in ./bmv2/differential.bmv2.ts.
import { ofp4Pipeline } from "../../targets/sim/pipeline/ofp4-pipeline.js";
import { startSim } from "../../targets/sim/sim.js";
import { differentialSuite } from "./differential.js";

differentialSuite("ofp4.p4 model vs the sim over P4Runtime", async () => {
  const sim = await startSim({ ports: 16, cpuPort: 255, pipeline: ofp4Pipeline, log: () => undefined });
  return {
    p4runtimeAddress: sim.p4runtimeAddress,
    dataplaneAddress: sim.dataplaneAddress ?? "",
    stop: () => sim.stop(),
    quietMs: 40,
  };
});
