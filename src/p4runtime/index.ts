// The public API of ofp4's P4Runtime layer: the client, the write batcher, the P4Info model,
// canonical bytestrings, readable entities and status values. Other layers (the offload
// provider, the sim target, the CLI) import from here and from ../generated/proto.js only.
export { p4, google } from "../generated/proto.js";
export * from "./bytes.js";
export * from "./status.js";
export * from "./p4info.js";
export * from "./entities.js";
export { entityKey, identityOf, putCanonical, sortFieldMatches, tableEntryKey, tableEntryOfKey } from "./entity-key.js";
export { scanCounterResponse, tableEntryKeyAt, type ScanSink } from "./read-scan.js";
export { WriteBatcher, type BatcherOptions, type BatcherStats, type FramedWrite, type UpdateCallback, type UpdateOwner } from "./batcher.js";
export { ProtoWriter, putVarint, varintSize } from "./proto-writer.js";
export { Backoff, type BackoffOptions } from "../util/backoff.js";
export { arbitrate, type ArbitrationEvent, type ArbitrationState, type Transition } from "./arbitration.js";
export {
  P4RuntimeClient,
  fromUint128,
  toUint128,
  type ArbitrationInfo,
  type Atomicity,
  type ClientEvents,
  type ClientOptions,
  type PacketMetadataValue,
  type PipelineAction,
  type PipelineResponseType,
  type SetPipelineOptions,
  type TlsOptions,
} from "./client.js";
export type { WriteTransportKind } from "./write-path.js";
export { parseProtoJson, parseTextFormat, TextFormatError, messageType } from "./text-format.js";
