// A minimal OpenFlow 1.3 controller connection for the end-to-end tests that need what
// ovs-ofctl cannot do (roles, two controllers at once, a controller that stops reading): HELLO,
// raw request/reply by xid, and the asynchronous messages it received. Encodes only the few
// messages the tests send; everything else is kept as raw bytes.

import { connect, type Socket } from "node:net";

export interface OfMsg {
  readonly type: number;
  readonly xid: number;
  readonly body: Buffer;
}

export class OfClient {
  readonly received: OfMsg[] = [];
  #buf: Buffer = Buffer.alloc(0);
  #xid = 100;
  #waiters: (() => void)[] = [];
  #closed = false;

  private constructor(readonly sock: Socket) {
    sock.on("data", (c: Buffer) => this.#data(c));
    sock.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
    sock.on("error", () => undefined);
  }

  static async open(target: string): Promise<OfClient> {
    const m = /^tcp:([\d.]+):(\d+)$/.exec(target);
    if (!m) throw new Error(`bad target ${target}`);
    const sock = connect({ host: m[1]!, port: Number(m[2]) });
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
    const c = new OfClient(sock);
    c.send(0, Buffer.alloc(0), 1);
    await c.next((m) => m.type === 0);
    return c;
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    while (this.#buf.length >= 8) {
      const len = this.#buf.readUInt16BE(2);
      if (this.#buf.length < len) break;
      const msg = { type: this.#buf[1]!, xid: this.#buf.readUInt32BE(4), body: Buffer.from(this.#buf.subarray(8, len)) };
      this.#buf = this.#buf.subarray(len);
      if (msg.type === 2) this.send(3, msg.body, msg.xid); // echo
      this.received.push(msg);
    }
    this.#wake();
  }

  send(type: number, body: Buffer, xid = this.#xid++): number {
    const h = Buffer.alloc(8);
    h[0] = 4;
    h[1] = type;
    h.writeUInt16BE(8 + body.length, 2);
    h.writeUInt32BE(xid, 4);
    this.sock.write(Buffer.concat([h, body]));
    return xid;
  }

  /** The first received message (from now on or already there) that satisfies `pred`. */
  async next(pred: (m: OfMsg) => boolean, ms = 10_000): Promise<OfMsg> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.received.find(pred);
      if (m) return m;
      if (this.#closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a message");
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends a request and resolves with the reply or error of the same xid. */
  async request(type: number, body: Buffer): Promise<OfMsg> {
    const xid = this.send(type, body);
    return this.next((m) => m.xid === xid && m.type !== 0);
  }

  /** ROLE_REQUEST (role 1 equal, 2 master, 3 slave) with a generation id. */
  role(role: number, generation: bigint): Promise<OfMsg> {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(role, 0);
    b.writeBigUInt64BE(generation, 8);
    return this.request(24, b);
  }

  /** FLOW_MOD ADD in table 0: in_port=P, priority, apply output:OUT (0xfffffffd = CONTROLLER). */
  flowAdd(inPort: number | undefined, priority: number, out: number): number {
    const match = inPort === undefined ? Buffer.from([0, 1, 0, 4, 0, 0, 0, 0]) : Buffer.from([0, 1, 0, 12, 0x80, 0, 0, 4, ...u32(inPort), 0, 0, 0, 0]);
    const fixed = Buffer.alloc(40);
    fixed.writeUInt16BE(priority, 22);
    fixed.writeUInt32BE(0xffffffff, 24); // buffer_id NONE
    fixed.writeUInt32BE(0xffffffff, 28); // out_port ANY
    fixed.writeUInt32BE(0xffffffff, 32); // out_group ANY
    const ins = Buffer.alloc(24);
    ins.writeUInt16BE(4, 0);
    ins.writeUInt16BE(24, 2);
    ins.writeUInt16BE(0, 8);
    ins.writeUInt16BE(16, 10);
    ins.writeUInt32BE(out, 12);
    ins.writeUInt16BE(0xffff, 16);
    return this.send(14, Buffer.concat([fixed, match, ins]));
  }

  /** PACKET_OUT of `frame` from in_port through the flow tables (output:TABLE). */
  packetOutToTable(inPort: number, frame: Buffer): number {
    const b = Buffer.alloc(16 + 16);
    b.writeUInt32BE(0xffffffff, 0);
    b.writeUInt32BE(inPort, 4);
    b.writeUInt16BE(16, 8);
    b.writeUInt16BE(0, 16);
    b.writeUInt16BE(16, 18);
    b.writeUInt32BE(0xfffffff9, 20);
    b.writeUInt16BE(0xffff, 24);
    return this.send(13, Buffer.concat([b, frame]));
  }

  barrier(): Promise<OfMsg> {
    return this.request(20, Buffer.alloc(0));
  }

  count(type: number): number {
    return this.received.filter((m) => m.type === type).length;
  }

  close(): void {
    this.sock.destroy();
  }
}

function u32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}
