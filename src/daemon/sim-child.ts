// The embedded sim's process entry: the standalone sim (targets/sim/main.ts flags and log
// lines) that also stops when its parent ofp4 goes away (its stdin, a pipe from ofp4, closes),
// so a killed ofp4 never leaves a sim holding its P4Runtime port. Stops on SIGTERM/SIGINT too.
import { parseSimArgs, runSim } from "../../targets/sim/main.js";

const args = parseSimArgs(process.argv.slice(2));
if (typeof args === "string") {
  process.stderr.write(`sim: ${args}\n`);
  process.exit(2);
}
runSim(args, (line) => process.stdout.write(line + "\n")).then(
  (sim) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      void sim.stop().then(() => process.exit(0));
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  },
  (e: unknown) => {
    process.stderr.write(`sim: error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
