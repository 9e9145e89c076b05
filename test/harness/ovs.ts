// Open vSwitch in userspace as a test oracle (../shared/ovs-userspace.md): a private
// ovsdb-server + ovs-vswitchd with the dummy datapath, one bridge "br0" in fail_mode=secure
// listening passively for controllers on 127.0.0.1, ports p1..pN. Everything lives in a temp
// directory that stop() removes; only the processes this harness started are stopped, by PID.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface OvsSwitch {
  /** "tcp:127.0.0.1:PORT", the address ovs-ofctl connects to. */
  readonly target: string;
  readonly port: number;
  readonly dir: string;
  /** Runs ovs-appctl against this ovs-vswitchd. */
  appctl(...args: string[]): Promise<string>;
  /** Peak and current RSS of ovs-vswitchd in kB (from /proc). */
  memory(): Promise<{ rssKb: number; peakKb: number }>;
  stop(): Promise<void>;
}

export interface OvsOptions {
  ports?: number;
  protocols?: string;
}

/** A free TCP port on 127.0.0.1 (ovs-vswitchd's ptcp: needs a number, not 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function pidOf(file: string): Promise<number | undefined> {
  try {
    return Number((await readFile(file, "utf8")).trim());
  } catch {
    return undefined;
  }
}

export async function startOvs(options: OvsOptions = {}): Promise<OvsSwitch> {
  const nports = options.ports ?? 4;
  const dir = await mkdtemp(join(tmpdir(), "ofp4-ovs-"));
  const env = {
    ...process.env,
    OVS_RUNDIR: dir,
    OVS_DBDIR: dir,
    OVS_LOGDIR: dir,
    OVS_SYSCONFDIR: dir,
    OVS_PKGDATADIR: "/usr/share/openvswitch",
  };
  const opts = { env, cwd: dir };
  const db = `unix:${dir}/db.sock`;
  const pids: number[] = [];
  const stop = async (): Promise<void> => {
    for (const pidFile of ["ovs-vswitchd.pid", "ovsdb-server.pid"]) {
      const pid = await pidOf(join(dir, pidFile));
      if (pid !== undefined) pids.push(pid);
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (const pid of pids) {
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run("ovsdb-tool", ["create", `${dir}/conf.db`, "/usr/share/openvswitch/vswitch.ovsschema"], opts);
    await run(
      "ovsdb-server",
      [
        `${dir}/conf.db`,
        `--remote=punix:${dir}/db.sock`,
        `--pidfile=${dir}/ovsdb-server.pid`,
        `--unixctl=${dir}/ovsdb-server.ctl`,
        "-vconsole:off",
        `--log-file=${dir}/ovsdb-server.log`,
        "--no-chdir",
        "--detach",
      ],
      opts,
    );
    await run("ovs-vsctl", [`--db=${db}`, "--no-wait", "init"], opts);
    await run(
      "ovs-vswitchd",
      [
        db,
        "--enable-dummy",
        "--disable-system",
        `--pidfile=${dir}/ovs-vswitchd.pid`,
        `--unixctl=${dir}/ovs-vswitchd.ctl`,
        "-vconsole:off",
        `--log-file=${dir}/ovs-vswitchd.log`,
        "--no-chdir",
        "--detach",
      ],
      opts,
    );
    const port = await freePort();
    const portArgs: string[] = [];
    for (let i = 1; i <= nports; i++) {
      portArgs.push("--", "add-port", "br0", `p${i}`, "--", "set", "interface", `p${i}`, "type=dummy", `ofport_request=${i}`);
    }
    await run(
      "ovs-vsctl",
      [
        `--db=${db}`,
        "--timeout=20",
        "add-br",
        "br0",
        "--",
        "set",
        "bridge",
        "br0",
        "datapath_type=dummy",
        "fail_mode=secure",
        `protocols=${options.protocols ?? "OpenFlow10,OpenFlow13"}`,
        "--",
        "set-controller",
        "br0",
        `ptcp:${port}:127.0.0.1`,
        ...portArgs,
      ],
      opts,
    );
    const target = `tcp:127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        await run("ovs-ofctl", ["--no-names", "show", target], opts);
        break;
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const ctl = `${dir}/ovs-vswitchd.ctl`;
    return {
      target,
      port,
      dir,
      appctl: async (...args) => (await run("ovs-appctl", [`--target=${ctl}`, ...args], opts)).stdout,
      memory: async () => {
        const pid = await pidOf(join(dir, "ovs-vswitchd.pid"));
        const status = await readFile(`/proc/${pid}/status`, "utf8");
        const kb = (key: string) => Number(/\d+/.exec(status.split("\n").find((l) => l.startsWith(key)) ?? "0")?.[0] ?? 0);
        return { rssKb: kb("VmRSS:"), peakKb: kb("VmHWM:") };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
