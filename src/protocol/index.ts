// protocol/: MetaQ commands, encoder, streaming decoder, record and payload codecs, status codes.
// Pure: bytes in, typed values out. Shared by broker and client.
export * from './commands.js';
export * from './status.js';
export * from './decoder.js';
export * from './encoder.js';
export * from './payload.js';
export * from './record.js';
export * from './compressed-set.js';
export { splitHeader } from './header-line.js';
