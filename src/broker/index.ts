// broker/: the composition root, TCP connections, one handler per command, stores and stats.
export { Broker, BROKER_VERSION } from './broker.js';
export type { BrokerOptions } from './broker.js';
export { parseBrokerConfig, topicSettings, topicMatches, DEFAULT_CONFIG_TEXT } from './config/broker-config.js';
export type { BrokerConfig, TopicConfig, EffectiveTopicSettings } from './config/broker-config.js';
export { loadBrokerConfig } from './config/load-config.js';
