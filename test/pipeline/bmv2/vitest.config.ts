// Runs the differential check of the ofp4.p4 model against real bmv2 (needs the reference
// simple_switch_grpc, see ../../../p4/README.md); not part of `npm test`, which must not need bmv2:
//   npx vitest run --config test/pipeline/bmv2/vitest.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/pipeline/bmv2/*.bmv2.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
