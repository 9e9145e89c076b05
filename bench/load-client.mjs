// The benchmark's OpenFlow load client: issue 10's flow mix (a quarter each: ip nw_dst /32; tcp
// nw_src with tp_dst=80; in_port with dl_dst; ip nw_dst /24; outputs to ports 1-4) as OpenFlow
// 1.3 FLOW_MOD ADDs written back to back on one TCP connection, then one BARRIER_REQUEST; resolves
// when the BARRIER_REPLY arrives, with the number of OFPT_ERRORs seen. The same flows as ovs-ofctl
// text for add-flows. Answers ECHO_REQUESTs; never retries. CLI: node bench/load-client.mjs HOST:PORT N
import { createConnection } from "node:net";
import { performance } from "node:perf_hooks";

const OFP13 = 4;

/** Flow i of the mix: { text, bytes } (bytes without the 8-byte header's xid filled in). */
export function flowText(i) {
  const port = (i % 4) + 1;
  switch (i % 4) {
    case 0:
      return `priority=100,ip,nw_dst=${ipv4(0x0a000000 + i)},actions=output:${port}`;
    case 1:
      return `priority=100,tcp,nw_src=${ipv4(0x0b000000 + i)},tp_dst=80,actions=output:${port}`;
    case 2:
      return `priority=100,in_port=${((i >> 2) % 4) + 1},dl_dst=${mac(i)},actions=output:${port}`;
    default:
      return `priority=100,ip,nw_dst=${ipv4(net24(i))}/24,actions=output:${port}`;
  }
}

function net24(i) {
  return (((20 + (i >> 16)) << 24) | ((i & 0xffff) << 8)) >>> 0;
}
function ipv4(n) {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
function mac(i) {
  const h = (0x020000000000 + i).toString(16).padStart(12, "0");
  return h.match(/../g).join(":");
}

function oxm(field, bytes, mask) {
  const len = bytes.length * (mask ? 2 : 1);
  const b = Buffer.alloc(4 + len);
  b.writeUInt16BE(0x8000, 0);
  b[2] = (field << 1) | (mask ? 1 : 0);
  b[3] = len;
  Buffer.from(bytes).copy(b, 4);
  if (mask) Buffer.from(mask).copy(b, 4 + bytes.length);
  return b;
}
const u16 = (v) => [v >> 8, v & 255];
const u32 = (v) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function matchFields(i) {
  switch (i % 4) {
    case 0:
      return [oxm(5, u16(0x0800)), oxm(12, u32(0x0a000000 + i))];
    case 1:
      return [oxm(5, u16(0x0800)), oxm(10, [6]), oxm(11, u32(0x0b000000 + i)), oxm(14, u16(80))];
    case 2: {
      const m = Buffer.alloc(8);
      m.writeBigUInt64BE(BigInt(0x020000000000 + i));
      return [oxm(0, u32(((i >> 2) % 4) + 1)), oxm(3, [...m.subarray(2)])];
    }
    default:
      return [oxm(5, u16(0x0800)), oxm(12, u32(net24(i)), u32(0xffffff00))];
  }
}

/** The OpenFlow 1.3 FLOW_MOD ADD of flow i. */
export function flowMod(i, xid) {
  const fields = Buffer.concat(matchFields(i));
  const matchLen = 4 + fields.length;
  const matchPadded = Math.ceil(matchLen / 8) * 8;
  const total = 8 + 40 + matchPadded + 8 + 16;
  const b = Buffer.alloc(total);
  b[0] = OFP13;
  b[1] = 14;
  b.writeUInt16BE(total, 2);
  b.writeUInt32BE(xid, 4);
  // cookie 0, cookie_mask 0, table 0, command ADD (0), timeouts 0
  b.writeUInt16BE(100, 8 + 22); // priority
  b.writeUInt32BE(0xffffffff, 8 + 24); // buffer_id
  b.writeUInt32BE(0xffffffff, 8 + 28); // out_port ANY
  b.writeUInt32BE(0xffffffff, 8 + 32); // out_group ANY
  let o = 48;
  b.writeUInt16BE(1, o); // OFPMT_OXM
  b.writeUInt16BE(matchLen, o + 2);
  fields.copy(b, o + 4);
  o += matchPadded;
  b.writeUInt16BE(4, o); // OFPIT_APPLY_ACTIONS
  b.writeUInt16BE(24, o + 2);
  o += 8;
  b.writeUInt16BE(0, o); // OFPAT_OUTPUT
  b.writeUInt16BE(16, o + 2);
  b.writeUInt32BE((i % 4) + 1, o + 4);
  b.writeUInt16BE(0xffff, o + 8);
  return b;
}

/** Sends flows [from, from+n) then a barrier; resolves { seconds, errors } at the BARRIER_REPLY. */
export function pipelinedInstall(host, port, n, from = 0) {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host, port });
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let hello = false;
    let errors = 0;
    let firstError = "";
    let t0 = 0;
    const BARRIER_XID = 0x7fffffff;
    sock.on("error", reject);
    sock.on("connect", () => sock.write(Buffer.from([OFP13, 0, 0, 8, 0, 0, 0, 1])));
    const send = async () => {
      t0 = performance.now();
      const CHUNK = 512;
      for (let i = 0; i < n; i += CHUNK) {
        const parts = [];
        for (let j = i; j < Math.min(n, i + CHUNK); j++) parts.push(flowMod(from + j, j + 2));
        if (!sock.write(Buffer.concat(parts))) await new Promise((r) => sock.once("drain", r));
      }
      const barrier = Buffer.from([OFP13, 20, 0, 8, ...u32(BARRIER_XID)]);
      sock.write(barrier);
    };
    sock.on("data", (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(2);
        if (buf.length < len) break;
        const type = buf[1];
        const xid = buf.readUInt32BE(4);
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        if (type === 0 && !hello) {
          hello = true;
          send().catch(reject);
        } else if (type === 2) {
          const reply = Buffer.from(msg);
          reply[0] = OFP13;
          reply[1] = 3;
          sock.write(reply);
        } else if (type === 1) {
          errors++;
          if (!firstError) firstError = `type ${msg.readUInt16BE(8)} code ${msg.readUInt16BE(10)} xid ${xid}`;
        } else if (type === 21 && xid === BARRIER_XID) {
          const seconds = (performance.now() - t0) / 1000;
          sock.end();
          resolve({ seconds, errors, firstError });
        }
      }
    });
    sock.on("close", () => reject(new Error("connection closed before the barrier reply")));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host, port] = (process.argv[2] ?? "127.0.0.1:6653").split(":");
  const n = Number(process.argv[3] ?? 100_000);
  const r = await pipelinedInstall(host, Number(port), n);
  console.log(`${n} FLOW_MODs + barrier in ${r.seconds.toFixed(3)} s = ${Math.round(n / r.seconds)} flows/s, ${r.errors} errors ${r.firstError}`);
}
