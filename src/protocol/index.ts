// protocol/: MetaQ commands, encoder, streaming decoder, record and payload codecs, status codes,
// and one reply codec per command (commands/). Pure: bytes in, typed values out. Shared by broker and client.
export * from './commands.js';
export * from './status.js';
export * from './decoder.js';
export * from './encoder.js';
export * from './payload.js';
export * from './record.js';
export * from './compressed-set.js';
export { splitHeader } from './header-line.js';
export * from './broker-error.js';
export * from './commands/reply.js';
export * from './commands/put.js';
export * from './commands/put-set.js';
export * from './commands/delayed-put.js';
export * from './commands/get.js';
export * from './commands/offset.js';
export * from './commands/offset-for-time.js';
export * from './commands/key-offsets.js';
export * from './commands/stats.js';
export { decodeVersionReply } from './commands/version.js';
export * from './commands/transaction.js';
export * from './commands/sync.js';
export * from './commands/sync-end.js';
export * from './commands/auth.js';
