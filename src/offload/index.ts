// The public API of the offload provider for the daemon and ofp4ctl: the provider and its
// options, stats and entry dump; the mapping loader (for tools that inspect a P4 program's
// mapping). Everything else in src/offload is internal to the provider.
export {
  OffloadProvider,
  DEFAULT_DEVICE_CONFIG_PATH,
  DEFAULT_MAPPING_PATH,
  DEFAULT_P4INFO_PATH,
  type EntryDump,
  type OffloadLog,
  type OffloadOptions,
  type OffloadStats,
  type RecoveredRule,
  type TargetPhase,
} from "./provider.js";
export { loadMapping, buildMapping, MappingError, type OffloadMapping } from "./mapping.js";
export type { ReconcileReport } from "./reconcile.js";
export { FreshStatsEndpoint, type CounterSource } from "./fresh-stats.js";
