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
 * limit, at most 1,000, so connections, the HTTP port and journals keep the other half.
 */
export function defaultOpenFileBudget(limit = descriptorLimit()): number {
  return Math.max(16, Math.min(1_000, Math.floor((limit ?? 2_048) / 2)));
}
