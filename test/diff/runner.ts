// The differential runner: a script is a list of ovs-ofctl invocations (TARGET stands for the
// switch), run in order against Open vSwitch and against ofp4; each invocation's output is
// normalised (durations, ages, xids, counters the two count differently) and recorded with its
// exit code into a transcript. Two transcripts are equal or the script fails. Pure functions
// except runScript, which only runs Debian's ovs-ofctl.

import { execFile } from "node:child_process";

export type OfVersionName = "OpenFlow10" | "OpenFlow13";

/** One ovs-ofctl invocation; `args` holds "TARGET" where the switch address goes. */
export interface Step {
  readonly args: readonly string[];
  readonly version?: OfVersionName;
  /** Extra ovs-ofctl options placed before the command (e.g. "--strict", "-F", "OpenFlow10-table_id"). */
  readonly options?: readonly string[];
  /** Waits this long after the step (only for timeouts, which run on the switch's clock). */
  readonly thenWaitMs?: number;
  /** ovs-ofctl timeout in seconds (for monitor-like commands). */
  readonly timeoutS?: number;
}

export interface Script {
  readonly name: string;
  readonly steps: readonly Step[];
}

export interface StepResult {
  readonly command: string;
  readonly exit: number;
  readonly stdout: string;
  readonly stderr: string;
}

function ofctl(args: readonly string[], timeoutMs: number): Promise<{ exit: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("ovs-ofctl", args, { timeout: timeoutMs, env: { ...process.env, LC_ALL: "C" } }, (err, stdout, stderr) => {
      let exit = 0;
      if (err) {
        const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
        exit = typeof code === "number" ? code : err.killed ? 124 : 1;
      }
      resolve({ exit, stdout, stderr });
    });
  });
}

/** Runs every step against `target` and returns the raw results. */
export async function runScript(script: Script, target: string): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of script.steps) {
    const version = step.version ?? "OpenFlow10";
    const args = ["-O", version, ...(step.options ?? []), ...step.args.map((a) => (a === "TARGET" ? target : a))];
    const command = ["ovs-ofctl", "-O", version, ...(step.options ?? []), ...step.args].join(" ");
    const r = await ofctl(args, (step.timeoutS ?? 20) * 1000);
    results.push({ command, ...r });
    if (step.thenWaitMs) await new Promise((resolve) => setTimeout(resolve, step.thenWaitMs));
  }
  return results;
}

const FLOW_LINE = /^\s*(cookie=|table=|duration=|n_packets=|priority=)/;

/** Removes what legitimately differs between two runs or two switches. */
export function normalise(text: string, target: string): string {
  let t = text.split(target).join("TARGET");
  t = t.replace(/tcp:127\.0\.0\.1:\d+/g, "TARGET");
  t = t.replace(/\(xid=0x[0-9a-f]+\)/g, "(xid=X)");
  t = t.replace(/xid=0x[0-9a-f]+/g, "xid=X");
  t = t.replace(/duration=[\d.]+s, /g, "");
  t = t.replace(/ ?idle_age=\d+,?/g, "");
  t = t.replace(/ ?hard_age=\d+,?/g, "");
  t = t.replace(/ovs-ofctl\(\d+\)|ovs-ofctl: /g, (m) => (m.startsWith("ovs-ofctl(") ? "ovs-ofctl" : m));
  t = t.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z\|\d+\|/gm, "");
  // Flow lines in a dump are compared as a set: the dump order of equal-priority rules is the
  // classifier's choice on both sides.
  const lines = t.split("\n");
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    out.push(...run.sort());
    run = [];
  };
  for (const line of lines) {
    if (FLOW_LINE.test(line)) run.push(line.replace(/^\s+/, " "));
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join("\n");
}

/** The printable transcript of a run. */
export function transcript(results: readonly StepResult[], target: string): string[] {
  return results.map((r) => {
    const body = [normalise(r.stdout, target).trimEnd(), normalise(r.stderr, target).trimEnd()].filter((s) => s.length > 0);
    return [`$ ${r.command}`, ...body, `[exit ${r.exit}]`].join("\n");
  });
}

/** Indices of the steps whose transcripts differ. */
export function differingSteps(a: readonly string[], b: readonly string[]): number[] {
  const n = Math.max(a.length, b.length);
  const diff: number[] = [];
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) diff.push(i);
  return diff;
}
