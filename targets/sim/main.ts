// The standalone sim, with simple_switch_grpc's flags: --p4runtime ADDR (alias
// --grpc-server-addr; default 127.0.0.1:9559), --device-id N, --cpu-port N, --dp-grpc-server-addr
// ADDR, --ports N, and --admin ADDR for the JSON admin interface. Logs one line per listener
// with its real address (port 0 allowed) and stops cleanly on SIGTERM/SIGINT. Runs the ofp4.p4
// pipeline model. `runSim` is importable; the process entry runs only when this is the main module.
import { pathToFileURL } from "node:url";
import type { Pipeline } from "./forwarding.js";
import { ofp4Pipeline } from "./pipeline/ofp4-pipeline.js";
import { startSim, type Sim, type SimOptions } from "./sim.js";

export interface SimArgs {
  readonly p4runtimeAddress: string;
  readonly deviceId: bigint;
  readonly cpuPort: number | null;
  readonly dataplaneAddress: string | null;
  readonly adminAddress: string | null;
  readonly ports: number;
}

/** Parses bmv2-style flags; returns an error message for anything it does not know. */
export function parseSimArgs(argv: readonly string[]): SimArgs | string {
  const args = {
    p4runtimeAddress: "127.0.0.1:9559",
    deviceId: 0n,
    cpuPort: 255 as number | null,
    dataplaneAddress: null as string | null,
    adminAddress: null as string | null,
    ports: 8,
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    if (raw === "--") continue;
    const eq = raw.indexOf("=");
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string | undefined => (eq > 0 ? raw.slice(eq + 1) : argv[++i]);
    const v = flag.startsWith("--") ? value() : undefined;
    if (v === undefined) return `missing value for ${flag}`;
    switch (flag) {
      case "--p4runtime":
      case "--grpc-server-addr":
        args.p4runtimeAddress = v;
        break;
      case "--device-id":
        if (!/^\d+$/.test(v)) return `--device-id needs a number, not ${v}`;
        args.deviceId = BigInt(v);
        break;
      case "--cpu-port": {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0 || n >= 511) return `--cpu-port needs a port 1..510, not ${v}`;
        args.cpuPort = n;
        break;
      }
      case "--dp-grpc-server-addr":
        args.dataplaneAddress = v;
        break;
      case "--admin":
        args.adminAddress = v;
        break;
      case "--ports": {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 510) return `--ports needs 1..510, not ${v}`;
        args.ports = n;
        break;
      }
      default:
        return `unknown option ${flag}`;
    }
  }
  return args;
}

/** Starts a sim from parsed flags (ofp4.p4's pipeline model unless another is given). */
export function runSim(args: SimArgs, log: (line: string) => void, pipeline: Pipeline = ofp4Pipeline): Promise<Sim> {
  const options: SimOptions = {
    p4runtimeAddress: args.p4runtimeAddress,
    deviceId: args.deviceId,
    cpuPort: args.cpuPort,
    dataplaneAddress: args.dataplaneAddress,
    adminAddress: args.adminAddress,
    ports: args.ports,
    pipeline,
    log,
  };
  return startSim(options);
}

async function main(): Promise<void> {
  const args = parseSimArgs(process.argv.slice(2));
  if (typeof args === "string") {
    process.stderr.write(`sim: ${args}\n`);
    process.exit(2);
  }
  const sim = await runSim(args, (line) => process.stdout.write(line + "\n"));
  const stop = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
