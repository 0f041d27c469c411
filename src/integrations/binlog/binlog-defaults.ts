/** `metaq binlog`'s defaults, apart from the publisher so the command line's help reads them without loading it. */
export const defaultBinlogOptions = { from: 'end', checkpointMs: 200, maxInFlight: 1000 } as const;
