/** `metaq tail`'s defaults, apart from the agent so the command line's help reads them without loading it. */
export const defaultTailOptions = {
  from: 'start',
  pollMs: 250,
  batchRecords: 1000,
  batchBytes: 1024 * 1024,
  quietMs: 1000,
  maxRecordBytes: 1024 * 1024 - 1024,
  ordered: false,
  pathAttribute: false,
} as const;
