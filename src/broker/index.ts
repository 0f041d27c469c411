// broker/: the composition root, TCP connections, one handler per command, stores and stats.
export { Broker, BROKER_VERSION } from './broker.js';
export type { BrokerOptions } from './broker.js';
export { parseBrokerConfig, topicSettings, topicMatches, DEFAULT_CONFIG_TEXT } from './config/broker-config.js';
export type { BrokerConfig, TopicConfig, EffectiveTopicSettings } from './config/broker-config.js';
export { loadBrokerConfig } from './config/load-config.js';
// Maintenance of a stopped broker's data directory (MetaQ's move-partitions and delete-partitions; docs/operations.md).
export { movePartitions, deletePartitions } from '../storage/partition-dirs.js';
export { NodeFileIO } from '../storage/io/node-file-io.js';
export { writeFileAtomically } from '../storage/atomic-file.js';
export type { FileIO } from '../storage/io/file-io.js';
