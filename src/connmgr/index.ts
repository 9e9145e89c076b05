// The connection manager's public surface for the daemon and ofp4ctl: ConnManager (listeners,
// active controller connections, one OfConn per controller) and the types its options and
// stats use. The ofproto core sees only endpoint.ts (OfprotoEndpoint / ConnManagerPort).

export { ConnManager, type ConnManagerOptions, type ConnManagerEvents, type ConnTotals } from "./conn-manager.js";
export type { OfConn, OfConnOptions, OfConnState, OfConnStats } from "./ofconn.js";
export { Listener, type ListenSettings, type TlsSettings } from "./listener.js";
export { ControllerConnector, type ConnectSettings, type ConnectorState } from "./controller-connector.js";
export type { BackoffOptions } from "../util/backoff.js";
export { DEFAULT_SEND_QUEUE_LIMITS, type SendQueueLimits } from "./send-queue.js";
export type { PacketBuffersOptions } from "./packet-buffers.js";
export { defaultAsyncConfig, wantsAsync } from "./async-config.js";
export type { Logger } from "./logger.js";
export * from "./endpoint.js";
