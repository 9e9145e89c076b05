// The logging surface connmgr uses: ofp4's one Log interface (src/util/log.ts), so the daemon can
// pass a pino child logger and tests can pass nothing. Never required.

export type { Log as Logger } from "../util/log.js";
