// Starting the real process with good and bad input: a YAML file with two switches runs both;
// each bad file, a taken port, an unreachable target and a missing pipeline file fail with one
// line naming the key, line, address or file, and a non-zero exit; metrics move with traffic.

import { createServer, type Server } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { ctl, ensureBuilt, ofctl, runOfp4, startDaemon, tempDir, type Proc } from "../cli/process.js";

const started: Proc[] = [];
const servers: Server[] = [];

beforeAll(() => ensureBuilt());

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function yamlFile(text: string): string {
  const f = join(tempDir(), "ofp4.yaml");
  writeFileSync(f, text);
  return f;
}

/** Runs `ofp4 start ARGS` expecting it to fail; returns exit code and stderr. */
async function failing(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = runOfp4(["start", "--log-format", "json", "--admin-socket", join(tempDir(), "ctl"), ...args]);
  started.push(p);
  const exit = await p.exited;
  return { code: exit.code, stderr: p.stderr };
}

function takenPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    servers.push(s);
    s.listen(0, "127.0.0.1", () => resolve((s.address() as { port: number }).port));
  });
}

describe("configuration files", () => {
  test("two switches from one file both run, each with its own sim", async () => {
    const f = yamlFile(`
log_level: info
switches:
  - name: left
    p4runtime: 127.0.0.1:0
    ports: 4
    controllers: [{ listen: "127.0.0.1:0" }]
  - name: right
    p4runtime: 127.0.0.1:0
    device_id: 2
    datapath_id: 0xabc
    ports:
      - { number: 1, name: eth1 }
      - { number: 2, name: eth2 }
    controllers: [{ listen: "127.0.0.1:0" }]
`);
    const d = await startDaemon(["--config", f]);
    started.push(d.proc);
    const list = JSON.parse((await ctl(d.socket, "--json", "list")).stdout) as { name: string; phase: string }[];
    expect(list.map((s) => [s.name, s.phase])).toEqual([
      ["left", "ready"],
      ["right", "ready"],
    ]);
    const right = (await ctl(d.socket, "show", "right")).stdout;
    expect(right).toContain("right: dpid 0xabc");
    expect(right).toContain("2(eth2): target port 2, up");
    const listeners = d.proc.records.filter((r) => r.msg.startsWith("OpenFlow listening on")).map((r) => r.switch);
    expect(listeners).toEqual(["left", "right"]);
  });

  test("a file with an unknown key and a wrong type fails naming both with their lines", async () => {
    const f = yamlFile(`switches:
  - name: br0
    colour: blue
    device_id: seven
`);
    const r = await failing(["--config", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`bad config ${f}:`);
    expect(r.stderr).toMatch(/line 3: 'switches\[0\]\.colour' is not a known key/);
    expect(r.stderr).toMatch(/line 4: 'switches\[0\]\.device_id' must be an unsigned 64-bit integer/);
  });

  test("a listen address used twice is a clash naming it with its key and line", async () => {
    const f = yamlFile(`switches:
  - { name: a, controllers: [{ listen: "127.0.0.1:7001" }] }
  - { name: b, p4runtime: "127.0.0.1:9560", controllers: [{ listen: "127.0.0.1:7001" }] }
`);
    const r = await failing(["--config", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 3: 'switches[1].controllers[0].listen' 127.0.0.1:7001 is already used by 'a'");
  });

  test("a missing config file and bad flags fail with one line", async () => {
    const missing = await failing(["--config", "/nonexistent/ofp4.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^ofp4: bad config \/nonexistent\/ofp4\.yaml:\n {2}cannot read: ENOENT/);
    const flag = await failing(["--device-id", "x"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr.split("\n")[0]).toBe("ofp4: --device-id needs an unsigned 64-bit number, not 'x'");
  });
});

describe("start-up failures", () => {
  test("an OpenFlow port already in use is named, exit 1, and the embedded sim is stopped", async () => {
    const port = await takenPort();
    const simPort = await takenPort();
    await new Promise((r) => servers.pop()!.close(r));
    const r = await failing(["--listen", `127.0.0.1:${port}`, "--p4runtime", `127.0.0.1:${simPort}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ofp4: OpenFlow listen address 127.0.0.1:${port} is already in use\n`);
    // The sim it had started is gone: its P4Runtime port is free again.
    const again = createServer();
    servers.push(again);
    await new Promise<void>((resolve, reject) => {
      again.once("error", reject);
      again.listen(simPort, "127.0.0.1", () => resolve());
    });
  });

  test("a P4Runtime port already in use for the embedded sim is named", async () => {
    const port = await takenPort();
    const r = await failing(["--listen", "127.0.0.1:0", "--p4runtime", `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ofp4: cannot start the embedded sim: P4Runtime address 127.0.0.1:${port} is already in use\n`);
  });

  test("a metrics address already in use is named, exit 1", async () => {
    const port = await takenPort();
    const r = await failing(["--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0", "--metrics", `127.0.0.1:${port}`]);
    expect(r).toEqual({ code: 1, stderr: `ofp4: metrics address 127.0.0.1:${port} is already in use\n` });
  });

  test("an admin socket a running ofp4 serves is refused, and that ofp4 keeps running", async () => {
    const d = await startDaemon();
    started.push(d.proc);
    const p = runOfp4(["start", "--log-format", "json", "--admin-socket", d.socket, "--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0"]);
    started.push(p);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toBe(`ofp4: admin socket ${d.socket} is in use by another ofp4\n`);
    expect((await ctl(d.socket, "list")).code).toBe(0);
  });

  test("an unreachable bmv2 target is named", async () => {
    const port = await takenPort(); // a TCP listener that is not a gRPC server
    servers[0]!.close();
    const r = await failing(["--listen", "127.0.0.1:0", "--target", "bmv2", "--p4runtime", `127.0.0.1:${port}`, "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "p4/ofp4.json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ofp4: P4Runtime target 127\\.0\\.0\\.1:${port} is unreachable`));
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  }, 60_000);

  test("a missing pipeline file is named", async () => {
    const r = await failing(["--listen", "127.0.0.1:0", "--target", "bmv2", "--p4runtime", "127.0.0.1:1", "--p4info", "p4/ofp4.p4info.txtpb", "--pipeline", "/nonexistent/ofp4.json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("ofp4: device config file /nonexistent/ofp4.json does not exist\n");
  });
});

describe("missing files", () => {
  test("a missing P4Info file is named, exit 1", async () => {
    const r = await failing(["--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0", "--p4info", "/nonexistent/ofp4.p4info.txtpb"]);
    expect(r).toEqual({ code: 1, stderr: "ofp4: P4Info file /nonexistent/ofp4.p4info.txtpb does not exist\n" });
  });

  test("a P4Info file that does not parse is named, exit 1", async () => {
    const f = join(tempDir(), "bad.p4info.txtpb");
    writeFileSync(f, "tables { this is not text proto");
    const r = await failing(["--listen", "127.0.0.1:0", "--p4runtime", "127.0.0.1:0", "--p4info", f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ofp4: [^\\n]*${f}[^\\n]*\\n$`));
  });

  test("a missing TLS certificate is named, exit 1, and the embedded sim is stopped", async () => {
    const f = yamlFile(`switches:
  - name: br0
    p4runtime: 127.0.0.1:0
    controllers:
      - listen: 127.0.0.1:0
        tls: { cert: /nonexistent/cert.pem, key: /nonexistent/key.pem }
`);
    const p = runOfp4(["start", "--log-format", "json", "--admin-socket", join(tempDir(), "ctl"), "--config", f]);
    started.push(p);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toBe("ofp4: cannot read the TLS certificate file /nonexistent/cert.pem\n");
    const simPid = p.records.find((r) => typeof r.simPid === "number")!.simPid as number;
    expect(() => process.kill(simPid, 0)).toThrow(); // stopped before ofp4 exited
  });
});

describe("signals", () => {
  test("SIGINT stops the switch and its embedded sim with exit 0", async () => {
    const d = await startDaemon();
    started.push(d.proc);
    const simPid = d.proc.records.find((r) => typeof r.simPid === "number")!.simPid as number;
    expect(await d.proc.stop("SIGINT")).toEqual({ code: 0, signal: null });
    expect(d.proc.records.at(-1)!.msg).toBe("stopped");
    expect(() => process.kill(simPid, 0)).toThrow(); // the child is gone
  });
});

describe("a killed ofp4", () => {
  test("leaves no embedded sim behind (the sim stops when ofp4's pipe closes)", async () => {
    const d = await startDaemon();
    started.push(d.proc);
    const simPid = d.proc.records.find((r) => typeof r.simPid === "number")!.simPid as number;
    expect(await d.proc.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    // The sim is not our child: poll for its exit (no event reaches this process).
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        process.kill(simPid, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });
});

describe("metrics", () => {
  test("the Prometheus endpoint counts operations, Writes and controllers after traffic", async () => {
    const d = await startDaemon(["--metrics", "127.0.0.1:0"]);
    started.push(d.proc);
    const line = await d.proc.line(/^metrics listening on/);
    const url = /(http:\S+)/.exec(line)![1]!;
    const scrape = async (): Promise<string> => (await fetch(url)).text();
    const before = await scrape();
    expect(before).toMatch(/^ofp4_p4runtime_writes\{switch="br0"\} (\d+)$/m);
    const writesBefore = Number(/^ofp4_p4runtime_writes\{switch="br0"\} (\d+)$/m.exec(before)![1]);
    for (let i = 1; i <= 3; i++) {
      expect((await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, `priority=${i},ip,nw_dst=10.0.0.${i},actions=output:1`)).code).toBe(0);
    }
    // A refused flow_mod: an OpenFlow error sent and counted.
    await ofctl("-O", "OpenFlow13", "add-flow", `tcp:${d.openflow}`, "table=200,priority=1,actions=drop");
    const after = await scrape();
    expect(Number(/^ofp4_p4runtime_writes\{switch="br0"\} (\d+)$/m.exec(after)![1])).toBeGreaterThan(writesBefore);
    expect(after).toMatch(/^ofp4_operation_latency_seconds_count\{switch="br0",table="0",type="add",result="ok"\} 3$/m);
    expect(after).toMatch(/^ofp4_table_entries\{switch="br0"\} 3$/m);
    expect(after).toMatch(/^ofp4_openflow_errors_total\{switch="br0",error="[A-Z_]+"\} 1$/m);
    expect(after).toMatch(/^ofp4_pending_op_groups\{switch="br0"\} 0$/m);
  });
});
