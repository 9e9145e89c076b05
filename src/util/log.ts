// The one logging interface of ofp4's layers: what they call of a logger, in pino's shape
// (structured fields, then the message; or the message alone). The daemon gives each switch a
// pino child logger bound to the switch's name; tests give a recorder or nothing (SILENT).
// Protocol-free (src/util): any layer may import it.

export interface Log {
  debug(o: object | string, msg?: string): void;
  info(o: object | string, msg?: string): void;
  warn(o: object | string, msg?: string): void;
  error(o: object | string, msg?: string): void;
}

const nothing = (): void => undefined;

/** A Log that writes nothing. */
export const SILENT: Log = { debug: nothing, info: nothing, warn: nothing, error: nothing };
