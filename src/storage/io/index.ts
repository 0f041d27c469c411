// storage/io/: the only code that touches the file system, behind the FileIO interface.
export type { FileIO, IoFile, IoStat } from './file-io.js';
export { NodeFileIO } from './node-file-io.js';
export { MemoryFileIO, errnoError } from './memory-file-io.js';
export { VolatileFileIO } from './volatile-file-io.js';
export type { InjectedFault, IoOperation, UnsyncedChoice } from './memory-file-io.js';
export { OpenFileCache } from './open-file-cache.js';
export { defaultOpenFileBudget, descriptorLimit } from './descriptor-limit.js';
