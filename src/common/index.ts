// common/: shared errors, checksum, clock and message ids. Imports nothing of ours.
export * from './errors.js';
export * from './error-codes.js';
export * from './checksum.js';
export * from './clock.js';
export * from './id-generator.js';
export * from './ini-file.js';
export * from './config-expression.js';
export * from './names.js';
