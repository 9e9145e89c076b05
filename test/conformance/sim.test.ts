// The P4Runtime conformance suite (./suite.ts) on ofp4's sim, in process with the fixture
// program's model: part of `npm test`. The same cases run on real bmv2 in bmv2.bmv2.ts.
import { conformanceSuite } from "./suite.js";
import { startSimTarget } from "./target.js";

conformanceSuite("sim", startSimTarget);
