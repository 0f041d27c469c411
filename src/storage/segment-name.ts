/** Segment files are named by their 20-digit zero-padded start offset (docs/storage.md). */
export const SEGMENT_SUFFIX = '.meta';

export function segmentFileName(start: number): string {
  return `${String(start).padStart(20, '0')}${SEGMENT_SUFFIX}`;
}

/** The start offset of a segment file name, or undefined for any other file. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = /^([0-9]{1,20})\.meta$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
