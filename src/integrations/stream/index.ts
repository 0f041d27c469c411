// Stream processing on metaq (MetaQ's Storm spout; docs/integrations.md): a source of deliveries to ack or fail,
// and a sink that resolves when the broker stored the result.
export { MessageSource } from './message-source.js';
export type { Delivery, SourceOptions } from './message-source.js';
export { MessageSink } from './message-sink.js';
export type { SinkItem } from './message-sink.js';
