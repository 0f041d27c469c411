// storage/: segmented partition logs, group commit, recovery, retention, atomic metadata.
export { PartitionLog } from './partition-log.js';
export type { AppendCallback, PartitionLogOptions, RecoveryReport } from './partition-log.js';
export { parseRetentionPolicy, applyRetention } from './retention.js';
export type { RetentionPolicy } from './retention.js';
export { writeFileAtomically } from './atomic-file.js';
export { segmentFileName, parseSegmentFileName } from './segment-name.js';
export * from './io/index.js';
