// `npm run test:bmv2`: every *.bmv2.ts suite, against the real simple_switch_grpc and p4c-bm2-ss
// (see test/setup/p4-tools.ts for where they are found). Not part of `npm test`, which must pass
// on any fresh machine with the sim alone.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.bmv2.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    globalSetup: ["test/setup/bmv2.ts"],
    // One bmv2 at a time keeps the 2-core CI machine's timings sane.
    fileParallelism: false,
  },
});
