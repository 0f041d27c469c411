/** The group an online move's target copies the source partition with (docs/cluster.md, moving partitions). */
export const MOVE_COPY_GROUP = 'metaq-move';

/**
 * Groups metaq reads with for its own tools, not consumers anyone waits on: `metaq get` and the
 * client's one-off reads (src/client/metaq-client.ts), the console's and `metaq browse`'s reads
 * (MetaQ's `Just_for_Browser`), `metaq monitor`'s probe (src/cli/program/monitor.ts), and online moves' copies.
 * Their "lag" is meaningless, so lists hide them unless asked.
 */
export const INTERNAL_GROUPS: readonly string[] = ['metaq-get', 'Just_for_Browser', 'meta-monitor-receive', MOVE_COPY_GROUP];

export function isInternalGroup(group: string): boolean {
  return INTERNAL_GROUPS.includes(group);
}
