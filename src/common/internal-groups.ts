/**
 * Groups metaq reads with for its own tools, not consumers anyone waits on: `metaq get` and the
 * client's one-off reads (src/client/metaq-client.ts), the console's and `metaq browse`'s reads
 * (MetaQ's `Just_for_Browser`), and `metaq monitor`'s probe (src/cli/program/monitor.ts).
 * Their "lag" is meaningless, so lists hide them unless asked.
 */
export const INTERNAL_GROUPS: readonly string[] = ['metaq-get', 'Just_for_Browser', 'meta-monitor-receive'];

export function isInternalGroup(group: string): boolean {
  return INTERNAL_GROUPS.includes(group);
}
