// storage/: segmented partition logs, group commit, recovery, retention, atomic metadata.
export { PartitionLog } from './partition-log.js';
export type { AppendCallback, PartitionLogOptions } from './partition-log.js';
export type { RecoveryReport } from './log-recovery.js';
export { parseRetentionPolicy, applyRetention } from './retention.js';
export type { RetentionPolicy } from './retention.js';
export { writeFileAtomically } from './atomic-file.js';
export { makeDirDurably } from './durable-dir.js';
export { segmentFileName, parseSegmentFileName } from './segment-name.js';
export * from './io/index.js';
export type { BatchRecord } from './partition-log.js';
export { TransactionJournal } from './transaction-journal.js';
export type { JournalPosition, ReplayedRecord, TransactionJournalOptions } from './transaction-journal.js';
export { encodeJournalRecord, decodeJournalRecord, encodeLocations, locationOffsetPosition, TxOperationTypes } from './tx-journal-codec.js';
export type { BatchLocation, JournalRecord, TxOperationType } from './tx-journal-codec.js';
export type { StorageTimings } from './storage-timings.js';
export { movePartitions, deletePartitions } from './partition-dirs.js';
