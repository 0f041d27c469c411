// The file system as the broker's storage layer reaches it, for tools beside the broker (the
// command line's profiles and TLS files) that must not load the whole broker to read a file.
export { NodeFileIO } from '../storage/io/node-file-io.js';
export type { FileIO } from '../storage/io/file-io.js';
export { writeFileAtomically } from '../storage/atomic-file.js';
