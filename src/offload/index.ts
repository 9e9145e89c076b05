// The public API of the offload provider for the daemon and ofp4ctl: the provider and its
// options, stats and entry dump; the mapping loader (for tools that inspect a P4 program's
// mapping); the target quirks a target kind sets. Everything else in src/offload is internal
// to the provider.
export {
  OffloadProvider,
  DEFAULT_DEVICE_CONFIG_PATH,
  DEFAULT_MAPPING_PATH,
  DEFAULT_P4INFO_PATH,
  type EntryDump,
  type OffloadLog,
  type OffloadOptions,
  type OffloadStats,
  type PortControl,
  type TargetPhase,
} from "./provider.js";
export { loadMapping, buildMapping, MappingError, type OffloadMapping } from "./mapping.js";
export { BMV2_QUIRKS, SPEC_QUIRKS, type TargetQuirks } from "./p4-errors.js";
export type { ReconcileReport } from "./reconcile.js";
export { P4RUNTIME_ERROR_CHANNEL, type P4RuntimeErrorEvent } from "./error-log.js";
