// Protobuf text format and proto3 JSON readers, driven by the reflection descriptor generated
// from proto/ (src/generated/descriptor.js). Both produce plain objects shaped like the static
// module's message interfaces (camelCase fields, bigint 64-bit ints, Uint8Array bytes, numeric
// enums), ready for `encode`. Pure; never does I/O. Bad input throws TextFormatError naming the
// line and column (text) or the JSON path, and the field.
import protobuf from "protobufjs";
import descriptor from "../generated/descriptor.js";

export class TextFormatError extends Error {
  override readonly name = "TextFormatError";
}

type Plain = Record<string, unknown>;

let rootCache: protobuf.Root | undefined;
function root(): protobuf.Root {
  if (!rootCache) {
    rootCache = protobuf.Root.fromJSON(descriptor);
    rootCache.resolveAll();
  }
  return rootCache;
}

/** The reflected message type `fullName` (e.g. "p4.config.v1.P4Info"). */
export function messageType(fullName: string): protobuf.Type {
  return root().lookupType(fullName);
}

function fieldByName(type: protobuf.Type, name: string): protobuf.Field | undefined {
  return type.fields[name] ?? type.fields[protobuf.util.camelCase(name)];
}

function nameOf(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, "");
}

const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INT32 = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);

// ---------------------------------------------------------------------------------------------
// Text format

type Tok =
  | { k: "id"; v: string; line: number; col: number }
  | { k: "num"; v: string; line: number; col: number }
  | { k: "str"; v: Uint8Array; line: number; col: number }
  | { k: "p"; v: string; line: number; col: number };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const err = (msg: string): TextFormatError =>
    new TextFormatError(`line ${line}, column ${i - lineStart + 1}: ${msg}`);
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256))!;
      out.push({ k: "id", v: m[0], line, col });
      i += m[0].length;
      continue;
    }
    if (/[0-9.\-+]/.test(c)) {
      const m = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?[fF]?|inf|infinity|nan)/i.exec(
        text.slice(i, i + 64),
      );
      if (!m || m[0] === "" || m[0] === "-" || m[0] === "+") throw err(`unexpected "${c}"`);
      out.push({ k: "num", v: m[0], line, col });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const bytes: number[] = [];
      i++;
      while (true) {
        if (i >= text.length || text[i] === "\n") throw err("unterminated string");
        const d = text[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d !== "\\") {
          const cp = text.codePointAt(i)!;
          const s = String.fromCodePoint(cp);
          bytes.push(...new TextEncoder().encode(s));
          i += s.length;
          continue;
        }
        const e = text[i + 1];
        i += 2;
        const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, "\\": 92, "'": 39, '"': 34, "?": 63 };
        if (e !== undefined && e in simple) bytes.push(simple[e]!);
        else if (e !== undefined && /[0-7]/.test(e)) {
          const m = /^[0-7]{1,3}/.exec(text.slice(i - 1, i + 2))!;
          bytes.push(parseInt(m[0], 8) & 0xff);
          i += m[0].length - 1;
        } else if (e === "x" || e === "X") {
          const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i, i + 2));
          if (!m) throw err("bad \\x escape");
          bytes.push(parseInt(m[0], 16));
          i += m[0].length;
        } else throw err(`unknown escape \\${e ?? ""}`);
      }
      out.push({ k: "str", v: Uint8Array.from(bytes), line, col });
      continue;
    }
    if ("{}<>[]:,;/".includes(c)) {
      out.push({ k: "p", v: c, line, col });
      i++;
      continue;
    }
    throw err(`unexpected "${c}"`);
  }
  return out;
}

class TextParser {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}

  private where(t: Tok | undefined): string {
    return t ? `line ${t.line}, column ${t.col}` : "end of input";
  }
  private fail(t: Tok | undefined, msg: string): never {
    throw new TextFormatError(`${this.where(t)}: ${msg}`);
  }
  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  private isP(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.k === "p" && t.v === v;
  }
  private expectP(v: string): void {
    const t = this.peek();
    if (!t || t.k !== "p" || t.v !== v) this.fail(t, `expected "${v}"`);
    this.pos++;
  }

  parseMessage(type: protobuf.Type, close: string | undefined): Plain {
    const obj: Plain = {};
    while (true) {
      const t = this.peek();
      if (t === undefined) {
        if (close !== undefined) this.fail(t, `expected "${close}" to close ${nameOf(type)}`);
        return obj;
      }
      if (close !== undefined && t.k === "p" && t.v === close) {
        this.pos++;
        return obj;
      }
      if (t.k === "p" && t.v === "[") this.fail(t, `extension and Any expansion fields are not supported in ${nameOf(type)}`);
      if (t.k !== "id") this.fail(t, "expected a field name");
      this.pos++;
      const field = fieldByName(type, t.v);
      if (!field) this.fail(t, `${nameOf(type)} has no field "${t.v}"`);
      this.parseField(obj, field, t);
      if (this.isP(",") || this.isP(";")) this.pos++;
    }
  }

  private parseField(obj: Plain, field: protobuf.Field, nameTok: Tok): void {
    const isMsg = field.resolvedType instanceof protobuf.Type || field.map;
    if (this.isP(":")) this.pos++;
    else if (!isMsg) this.fail(this.peek(), `expected ":" after "${nameTok.k === "id" ? nameTok.v : ""}"`);
    const values: unknown[] = [];
    if (this.isP("[")) {
      this.pos++;
      if (!field.repeated && !field.map) this.fail(nameTok, `field "${field.name}" is not repeated`);
      while (!this.isP("]")) {
        values.push(this.parseValue(field));
        if (this.isP(",")) this.pos++;
        else if (!this.isP("]")) this.fail(this.peek(), `expected "," or "]"`);
      }
      this.pos++;
    } else values.push(this.parseValue(field));

    for (const v of values) {
      if (field.map) {
        const entry = v as { key?: unknown; value?: unknown };
        const m = (obj[field.name] ??= {}) as Plain;
        m[String(entry.key ?? "")] = entry.value ?? {};
      } else if (field.repeated) {
        ((obj[field.name] ??= []) as unknown[]).push(v);
      } else {
        if (field.name in obj) this.fail(nameTok, `field "${field.name}" given twice`);
        if (field.partOf) {
          for (const other of field.partOf.oneof) {
            if (other !== field.name && other in obj) this.fail(nameTok, `"${field.name}" and "${other}" are in one oneof`);
          }
        }
        obj[field.name] = v;
      }
    }
  }

  private parseValue(field: protobuf.Field): unknown {
    if (field.map) {
      const open = this.peek();
      if (!open || open.k !== "p" || (open.v !== "{" && open.v !== "<")) this.fail(open, `expected "{" for map "${field.name}"`);
      this.pos++;
      const close = open.v === "{" ? "}" : ">";
      const entry: Plain = {};
      while (!this.isP(close)) {
        const t = this.peek();
        if (!t || t.k !== "id" || (t.v !== "key" && t.v !== "value")) this.fail(t, `expected "key" or "value" in map "${field.name}"`);
        this.pos++;
        if (t.v === "key") {
          this.expectP(":");
          if (!(field instanceof protobuf.MapField)) this.fail(t, `field "${field.name}" is not a map`);
          entry["key"] = this.scalar(field.keyType, null, field.name);
        } else {
          const vt = field.resolvedType;
          if (vt instanceof protobuf.Type) {
            if (this.isP(":")) this.pos++;
            entry["value"] = this.nested(vt);
          } else {
            this.expectP(":");
            entry["value"] = this.scalar(field.type, vt, field.name);
          }
        }
        if (this.isP(",") || this.isP(";")) this.pos++;
      }
      this.pos++;
      return entry;
    }
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Type) return this.nested(rt);
    return this.scalar(field.type, rt, field.name);
  }

  private nested(type: protobuf.Type): Plain {
    const open = this.peek();
    if (!open || open.k !== "p" || (open.v !== "{" && open.v !== "<")) this.fail(open, `expected "{" to open ${nameOf(type)}`);
    this.pos++;
    return this.parseMessage(type, open.v === "{" ? "}" : ">");
  }

  private scalar(typeName: string, rt: protobuf.Enum | protobuf.Type | null, fieldName: string): unknown {
    const t = this.peek();
    if (!t) this.fail(t, `expected a value for "${fieldName}"`);
    this.pos++;
    const bad = (): never => this.fail(t, `bad ${typeName} value for "${fieldName}"`);
    if (rt instanceof protobuf.Enum) {
      if (t.k === "id") {
        const v = rt.values[t.v];
        if (v === undefined) this.fail(t, `${nameOf(rt)} has no value ${t.v} (field "${fieldName}")`);
        return v;
      }
      if (t.k === "num" && /^-?\d+$/.test(t.v)) return Number(t.v);
      return bad();
    }
    if (typeName === "string" || typeName === "bytes") {
      if (t.k !== "str") return bad();
      const parts = [t.v];
      for (let n = this.peek(); n && n.k === "str"; n = this.peek()) {
        parts.push(n.v);
        this.pos++;
      }
      const total = parts.reduce((a, p) => a + p.length, 0);
      const bytes = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.length;
      }
      return typeName === "bytes" ? bytes : new TextDecoder().decode(bytes);
    }
    if (typeName === "bool") {
      if (t.k === "id" && (t.v === "true" || t.v === "True" || t.v === "t")) return true;
      if (t.k === "id" && (t.v === "false" || t.v === "False" || t.v === "f")) return false;
      if (t.k === "num" && (t.v === "0" || t.v === "1")) return t.v === "1";
      return bad();
    }
    if (typeName === "double" || typeName === "float") {
      if (t.k === "num" || (t.k === "id" && /^(inf|infinity|nan)$/i.test(t.v))) return Number(t.v.replace(/[fF]$/, ""));
      return bad();
    }
    if (t.k !== "num") return bad();
    return integer(t.v, typeName, () => bad());
  }
}

function integer(text: string, typeName: string, bad: () => never): number | bigint {
  let v: bigint;
  try {
    const neg = text.startsWith("-");
    const body = text.replace(/^[-+]/, "");
    v = /^0[0-7]+$/.test(body) ? BigInt("0o" + body.slice(1)) : BigInt(body);
    if (neg) v = -v;
  } catch {
    return bad();
  }
  const unsigned = typeName.startsWith("uint") || typeName === "fixed32" || typeName === "fixed64";
  const bits = INT64.has(typeName) ? 64 : INT32.has(typeName) ? 32 : 0;
  if (bits === 0) return bad();
  const lo = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const hi = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  if (v < lo || v > hi) return bad();
  return bits === 64 ? v : Number(v);
}

/** Parses protobuf text format into a plain object of message type `fullName`. */
export function parseTextFormat(text: string, fullName: string): Plain {
  const type = messageType(fullName);
  return new TextParser(tokenize(text)).parseMessage(type, undefined);
}

// ---------------------------------------------------------------------------------------------
// proto3 JSON

/** Reads proto3 JSON (camelCase or original field names) into a plain object of `fullName`. */
export function parseProtoJson(json: unknown, fullName: string): Plain {
  return jsonMessage(json, messageType(fullName), "$");
}

function jsonMessage(json: unknown, type: protobuf.Type, path: string): Plain {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TextFormatError(`${path}: expected an object for ${nameOf(type)}`);
  }
  const out: Plain = {};
  for (const [k, v] of Object.entries(json as Plain)) {
    const field = fieldByName(type, k);
    if (!field) throw new TextFormatError(`${path}: ${nameOf(type)} has no field "${k}"`);
    if (v === null) continue;
    const p = `${path}.${k}`;
    if (field.map) {
      if (typeof v !== "object" || Array.isArray(v)) throw new TextFormatError(`${p}: expected an object`);
      const m: Plain = {};
      for (const [mk, mv] of Object.entries(v as Plain)) m[mk] = jsonValue(mv, field, `${p}.${mk}`);
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new TextFormatError(`${p}: expected an array`);
      out[field.name] = v.map((e, i) => jsonValue(e, field, `${p}[${i}]`));
    } else out[field.name] = jsonValue(v, field, p);
  }
  return out;
}

function jsonValue(v: unknown, field: protobuf.Field, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return jsonMessage(v, rt, path);
  const bad = (): never => {
    throw new TextFormatError(`${path}: bad ${field.type} value ${JSON.stringify(v)}`);
  };
  if (rt instanceof protobuf.Enum) {
    if (typeof v === "string" && rt.values[v] !== undefined) return rt.values[v];
    if (typeof v === "number" && Number.isInteger(v)) return v;
    return bad();
  }
  switch (field.type) {
    case "string":
      return typeof v === "string" ? v : bad();
    case "bytes":
      if (typeof v !== "string") return bad();
      return Uint8Array.from(Buffer.from(v.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
    case "bool":
      return typeof v === "boolean" ? v : bad();
    case "double":
    case "float":
      return typeof v === "number" ? v : typeof v === "string" ? Number(v) : bad();
    default:
      if (typeof v === "number" && Number.isInteger(v)) return integer(String(v), field.type, bad);
      if (typeof v === "string" && /^-?\d+$/.test(v)) return integer(v, field.type, bad);
      return bad();
  }
}
