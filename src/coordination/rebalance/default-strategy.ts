/**
 * MetaQ's default rebalance (docs/cluster.md): members and partitions are sorted as Java strings (UTF-16
 * code units, so "0-10" sorts before "0-2"), and member i takes a contiguous slice. Java and
 * metaq consumers share a group only if this is reproduced exactly.
 */
export function javaStringSort(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The partitions `consumerId` owns among `consumers` (already the group's members for the topic). */
export function defaultAssignment(consumerId: string, consumers: readonly string[], partitions: readonly string[]): string[] {
  const members = javaStringSort(consumers);
  const sortedPartitions = javaStringSort(partitions);
  const index = members.indexOf(consumerId);
  if (index < 0 || sortedPartitions.length === 0) return [];
  const per = Math.floor(sortedPartitions.length / members.length);
  const extra = sortedPartitions.length % members.length;
  const start = per * index + Math.min(index, extra);
  const count = per + (index < extra ? 1 : 0);
  return sortedPartitions.slice(start, start + count);
}
