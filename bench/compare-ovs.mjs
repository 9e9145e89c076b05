// Open vSwitch in userspace for the benchmarks (../shared/ovs-userspace.md): a private
// ovsdb-server + ovs-vswitchd (dummy datapath, bridge br0 with ports p1-p4, fail_mode=secure,
// OpenFlow 1.0 and 1.3, a passive listener on 127.0.0.1). Everything lives in a temp directory;
// stop() ends the two daemons it started, by PID, and removes the directory.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function procStat(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(/\d+/.exec(status.split("\n").find((l) => l.startsWith(k)) ?? "0")?.[0] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { rssKb: kb("VmRSS:"), peakKb: kb("VmHWM:"), cpuS: (Number(f[11]) + Number(f[12])) / 100 };
}

export async function startOvs(ports = 4) {
  const dir = mkdtempSync(join(tmpdir(), "ofp4-bench-ovs-"));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: "/usr/share/openvswitch" };
  const opts = { env, cwd: dir };
  const db = `unix:${dir}/db.sock`;
  const pidOf = (name) => {
    try {
      return Number(readFileSync(join(dir, `${name}.pid`), "utf8").trim());
    } catch {
      return undefined;
    }
  };
  const stop = async () => {
    const pids = [pidOf("ovs-vswitchd"), pidOf("ovsdb-server")].filter((p) => p !== undefined);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    for (const pid of pids) {
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run("ovsdb-tool", ["create", `${dir}/conf.db`, "/usr/share/openvswitch/vswitch.ovsschema"], opts);
    await run("ovsdb-server", [`${dir}/conf.db`, `--remote=punix:${dir}/db.sock`, `--pidfile=${dir}/ovsdb-server.pid`, `--unixctl=${dir}/ovsdb-server.ctl`, "-vconsole:off", `--log-file=${dir}/ovsdb-server.log`, "--no-chdir", "--detach"], opts);
    await run("ovs-vsctl", [`--db=${db}`, "--no-wait", "init"], opts);
    await run("ovs-vswitchd", [db, "--enable-dummy", "--disable-system", `--pidfile=${dir}/ovs-vswitchd.pid`, `--unixctl=${dir}/ovs-vswitchd.ctl`, "-vconsole:off", `--log-file=${dir}/ovs-vswitchd.log`, "--no-chdir", "--detach"], opts);
    const port = await freePort();
    const portArgs = [];
    for (let i = 1; i <= ports; i++) portArgs.push("--", "add-port", "br0", `p${i}`, "--", "set", "interface", `p${i}`, "type=dummy", `ofport_request=${i}`);
    await run("ovs-vsctl", [`--db=${db}`, "--timeout=20", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy", "fail_mode=secure", "protocols=OpenFlow10,OpenFlow13", "--", "set-controller", "br0", `ptcp:${port}:127.0.0.1`, ...portArgs], opts);
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
    return { name: "ovs", target, host: "127.0.0.1", port, pid: pidOf("ovs-vswitchd"), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
