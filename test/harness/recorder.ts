// A recording OpenFlow listener for golden tests: listens on 127.0.0.1:0, completes HELLO
// with ovs-ofctl (or any controller), answers what ovs-ofctl waits for (echo, barrier,
// features, get-config, role, get-async, empty stats/multipart replies) and records every
// message the peer sends, byte for byte. It works on raw bytes only (never on ofp4's codec),
// so fixtures it records are independent of the code under test. It never keeps a process.

import { execFile } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

export interface RecordedMessage {
  /** Index of the TCP connection it arrived on (0, 1, ... in accept order). */
  readonly conn: number;
  readonly version: number;
  readonly type: number;
  readonly xid: number;
  /** The whole message, header included. */
  readonly bytes: Uint8Array;
}

export interface RecorderOptions {
  /** Ports 1..n the switch reports (features reply in 1.0, port-desc reply in 1.3). Default 0. */
  ports?: number;
  /**
   * Custom answer: return the messages to send back, or undefined for the default answer.
   * Return [] to send nothing.
   */
  respond?: (msg: RecordedMessage) => Uint8Array[] | undefined;
}

export interface Recorder {
  readonly port: number;
  /** "tcp:127.0.0.1:PORT" for ovs-ofctl. */
  readonly target: string;
  /** Every message received so far, in arrival order. */
  readonly messages: RecordedMessage[];
  /** Resolves once no connection is open (every peer has closed and all its bytes are recorded). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

function header(version: number, type: number, length: number, xid: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUInt8(version, 0);
  b.writeUInt8(type, 1);
  b.writeUInt16BE(length, 2);
  b.writeUInt32BE(xid >>> 0, 4);
  return b;
}

/** One port's description: ofp_phy_port (1.0, 48 bytes) or ofp_port (1.3, 64 bytes), named pN, MAC 02:00:00:00:00:N. */
function portBytes(version: number, n: number): Buffer {
  const b = Buffer.alloc(version === 1 ? 48 : 64);
  const mac = Buffer.from([2, 0, 0, 0, 0, n & 0xff]);
  if (version === 1) {
    b.writeUInt16BE(n, 0);
    mac.copy(b, 2);
    b.write(`p${n}`, 8, "latin1");
  } else {
    b.writeUInt32BE(n, 0);
    mac.copy(b, 8);
    b.write(`p${n}`, 16, "latin1");
  }
  return b;
}

/** The default answer of a simple switch with `ports` ports and no flows. */
export function defaultAnswer(m: RecordedMessage, ports = 0): Uint8Array[] {
  const v = m.version;
  const b = Buffer.from(m.bytes);
  switch (m.type) {
    case 0: {
      // HELLO: OF1.0 plain; newer versions with a version bitmap {0x01, 0x04}.
      if (v === 1) return [header(1, 0, 8, m.xid)];
      const h = header(v, 0, 16, m.xid);
      h.writeUInt16BE(1, 8); // OFPHET_VERSIONBITMAP
      h.writeUInt16BE(8, 10);
      h.writeUInt32BE((1 << 1) | (1 << 4), 12);
      return [h];
    }
    case 2: {
      const r = Buffer.from(b);
      r.writeUInt8(3, 1);
      return [r];
    }
    case 4:
      return vendorAnswer(b);
    case 5: {
      const r = header(v, 6, 32, m.xid);
      r.writeBigUInt64BE(1n, 8);
      r.writeUInt8(254, 20);
      if (v !== 1 || ports === 0) return [r];
      const all = Buffer.concat([r, ...Array.from({ length: ports }, (_, i) => portBytes(1, i + 1))]);
      all.writeUInt16BE(all.length, 2);
      return [all];
    }
    case 7: {
      const r = header(v, 8, 12, m.xid);
      r.writeUInt16BE(128, 10);
      return [r];
    }
    default:
      break;
  }
  if (v === 1) {
    if (m.type === 16) {
      // OFPT_STATS_REQUEST -> empty reply of the same type (vendor stats keep their 12-byte header).
      const statsType = b.readUInt16BE(8);
      const keep = statsType === 0xffff ? 24 : 12;
      const r = header(1, 17, keep, m.xid);
      b.copy(r, 8, 8, keep);
      r.writeUInt16BE(0, 10);
      return [r];
    }
    if (m.type === 18) return [header(1, 19, 8, m.xid)];
    if (m.type === 20) {
      // OFPT_QUEUE_GET_CONFIG_REQUEST -> a reply with no queues.
      const r = header(1, 21, 16, m.xid);
      b.copy(r, 8, 8, 10);
      return [r];
    }
    return [];
  }
  switch (m.type) {
    case 18: {
      const mpType = b.readUInt16BE(8);
      const keep = mpType === 0xffff ? 24 : 16;
      const r = header(v, 19, keep, m.xid);
      b.copy(r, 8, 8, keep);
      r.writeUInt16BE(0, 10);
      if (mpType !== 13 || ports === 0) return [r];
      // OFPMP_PORT_DESC
      const all = Buffer.concat([r, ...Array.from({ length: ports }, (_, i) => portBytes(v, i + 1))]);
      all.writeUInt16BE(all.length, 2);
      return [all];
    }
    case 20:
      return [header(v, 21, 8, m.xid)];
    case 22: {
      const r = header(v, 23, 16, m.xid);
      b.copy(r, 8, 8, 12);
      return [r];
    }
    case 24: {
      const r = Buffer.from(b);
      r.writeUInt8(25, 1);
      return [r];
    }
    case 26:
      return [header(v, 27, 32, m.xid)];
    default:
      return [];
  }
}

function vendorAnswer(b: Buffer): Uint8Array[] {
  if (b.length < 16) return [];
  const vendor = b.readUInt32BE(8);
  const subtype = b.readUInt32BE(12);
  if (vendor === 0x00002320 && subtype === 10) {
    // NXT_ROLE_REQUEST -> NXT_ROLE_REPLY with the same role.
    const r = Buffer.from(b);
    r.writeUInt32BE(11, 12);
    return [r];
  }
  return [];
}

export async function startRecorder(options: RecorderOptions = {}): Promise<Recorder> {
  const messages: RecordedMessage[] = [];
  const open = new Set<Socket>();
  let waiters: Array<() => void> = [];
  let nextConn = 0;
  const wake = (): void => {
    if (open.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const server: Server = createServer((sock) => {
    const conn = nextConn++;
    open.add(sock);
    let buf: Buffer = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(2);
        if (len < 8) {
          sock.destroy();
          return;
        }
        if (buf.length < len) break;
        const bytes = new Uint8Array(buf.subarray(0, len));
        buf = buf.subarray(len);
        const m: RecordedMessage = { conn, version: bytes[0]!, type: bytes[1]!, xid: Buffer.from(bytes).readUInt32BE(4), bytes };
        messages.push(m);
        const answer = options.respond?.(m) ?? defaultAnswer(m, options.ports ?? 0);
        for (const a of answer) if (!sock.destroyed) sock.write(a);
      }
    });
    sock.on("error", () => sock.destroy());
    sock.on("close", () => {
      open.delete(sock);
      wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    port,
    target: `tcp:127.0.0.1:${port}`,
    messages,
    settled: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        wake();
      }),
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs ovs-ofctl with `args` (the target is given by the caller) and returns its output. */
export async function ovsOfctl(args: readonly string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  const child = execFileP("ovs-ofctl", [...args], { timeout: 20_000 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child;
}

/** Starts a recorder, runs one ovs-ofctl command against it (TARGET in args is replaced), and returns what it sent. */
export async function recordOfctl(
  args: readonly string[],
  options: RecorderOptions = {},
): Promise<{ messages: RecordedMessage[]; stdout: string; stderr: string }> {
  const rec = await startRecorder(options);
  try {
    const out = await ovsOfctl(args.map((a) => (a === "TARGET" ? rec.target : a)));
    await rec.settled();
    return { messages: [...rec.messages], ...out };
  } finally {
    await rec.stop();
  }
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
}
