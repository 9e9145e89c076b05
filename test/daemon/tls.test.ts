// A TLS listener from the config file: ovs-ofctl connects over ssl: with a certificate signed by
// the configured CA and gets the switch's features; a plain TCP client on the same port does not.
// The certificates are made for the test with openssl.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, expect, test } from "vitest";
import { ensureBuilt, ofctl, startDaemon, tempDir, type Proc } from "../cli/process.js";

const started: Proc[] = [];
let dir: string;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

function issue(name: string): void {
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
  openssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "1");
}

beforeAll(() => {
  ensureBuilt();
  dir = tempDir();
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=ofp4-test-ca", "-days", "1");
  issue("switch");
  issue("controller");
});

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop("SIGTERM");
});

test("ovs-ofctl reaches a TLS listener with a certificate the CA signed; a plain TCP client gets nothing", async () => {
  const f = join(dir, "tls.yaml");
  writeFileSync(
    f,
    `switches:
  - name: br0
    p4runtime: 127.0.0.1:0
    controllers:
      - listen: 127.0.0.1:0
        tls: { ca: ${dir}/ca.crt, cert: ${dir}/switch.crt, key: ${dir}/switch.key }
`,
  );
  const d = await startDaemon(["--config", f]);
  started.push(d.proc);
  const line = await d.proc.line(/^OpenFlow listening on ssl:/);
  const address = /ssl:(\S+)/.exec(line)![1]!;
  const ok = await ofctl("-O", "OpenFlow13", "-p", `${dir}/controller.key`, "-c", `${dir}/controller.crt`, "-C", `${dir}/ca.crt`, "show", `ssl:${address}`);
  expect(ok.stderr).toBe("");
  expect(ok.stdout).toContain("OFPT_FEATURES_REPLY (OF1.3)");
  const plain = await ofctl("-O", "OpenFlow13", "show", `tcp:${address}`);
  expect(plain.code).not.toBe(0);
});
