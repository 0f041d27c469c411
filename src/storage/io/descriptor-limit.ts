import { readFileSync } from 'node:fs';

/** The process's soft limit on open descriptors (`ulimit -n`), where the system tells it (Linux). */
export function descriptorLimit(): number | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/**
 * Descriptors the partition logs may hold when `maxOpenSegmentFiles` is 0: half the process's
 * limit, so connections, the HTTP port and journals keep the other half. Not capped lower: a
 * producer writing round robin over more partitions than the cache holds makes every write
 * close one file (after a fsync) and reopen another.
 */
export function defaultOpenFileBudget(limit = descriptorLimit()): number {
  return Math.max(16, Math.floor((limit ?? 2_048) / 2));
}
