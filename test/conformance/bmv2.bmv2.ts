// The P4Runtime conformance suite (./suite.ts) on a real simple_switch_grpc (P4REF_RUN), started
// empty on loopback with CPU port 255 and the dataplane service: `npm run test:bmv2`. The same
// cases run on the sim in sim.test.ts; bmv2's answers are the reference.
import { conformanceSuite } from "./suite.js";
import { startBmv2Target } from "./target.js";

conformanceSuite("bmv2", startBmv2Target);
