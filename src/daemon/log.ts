// The daemon's logger: pino, writing JSON lines when stdout is not a terminal and short
// readable lines ("06:12:03.120 INFO  br0: message key=value") when it is. The readable form is
// a small formatter over pino's own JSON, so both carry the same fields. Never throws on a
// line it cannot parse (it prints it as it came).

import { pino, type Logger } from "pino";

export type { Logger };

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
const SKIP = new Set(["level", "time", "pid", "hostname", "msg", "switch"]);

/** One readable line from one pino JSON line. */
export function readableLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = new Date(typeof rec.time === "number" ? rec.time : Date.now()).toISOString().slice(11, 23);
  const level = LEVELS[Number(rec.level)] ?? String(rec.level);
  const who = typeof rec.switch === "string" ? `${rec.switch}: ` : "";
  const extra = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return `${time} ${level} ${who}${String(rec.msg ?? "")}${extra.length ? "  " + extra.join(" ") : ""}`;
}

/** The daemon's root logger: JSON unless `readable` (default: stdout is a terminal). */
export function createLogger(level: string, readable: boolean = process.stdout.isTTY === true): Logger {
  const options = { level, base: { pid: process.pid } };
  if (!readable) return pino(options, pino.destination({ fd: 1, sync: true }));
  return pino(options, {
    write(chunk: string): void {
      for (const line of chunk.split("\n")) if (line !== "") process.stdout.write(readableLine(line) + "\n");
    },
  });
}
