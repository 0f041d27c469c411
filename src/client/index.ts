// client/: what applications import to produce and consume. Talks to brokers only over the wire.
export { MetaqClient } from './metaq-client.js';
export type { ClientOptions } from './metaq-client.js';
export { Producer } from './producer/producer.js';
export type { ProducerOptions, SendOptions } from './producer/producer.js';
export { roundRobinSelector, randomSelector, keySelector } from './producer/partition-selector.js';
export type { PartitionSelector } from './producer/partition-selector.js';
export { Consumer } from './consumer/consumer.js';
export type { ConsumerOptions, SubscribeOptions } from './consumer/consumer.js';
export type { OffsetStorage, OffsetInfo, StoredOffset } from './offsets/offset-storage.js';
export { MemoryOffsetStorage } from './offsets/memory-offset-storage.js';
export type { OutgoingMessage, ReceivedMessage, SendResult, Partition } from './message.js';
export { partitionName, parsePartition } from './message.js';
export * from './errors.js';
export { FileOffsetStorage } from './offsets/file-offset-storage.js';
export { SqlOffsetStorage, mysqlDialect, postgresDialect, mysqlExecutor, postgresExecutor } from './offsets/sql-offset-storage.js';
export type { SqlExecutor, SqlDialect } from './offsets/sql-offset-storage.js';
export { transactionalListener, mysqlTransactions, postgresTransactions } from './offsets/transactional-consume.js';
export type { BeginTransaction, SqlTransaction } from './offsets/transactional-consume.js';
