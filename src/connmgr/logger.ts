// The logging surface connmgr uses: the subset of pino's Logger it calls, so the daemon can
// pass a pino child logger and tests can pass nothing. Never required.

export interface Logger {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}
