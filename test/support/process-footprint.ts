import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A live process's resident memory and open file descriptors, read from /proc (Linux). */
export interface Footprint {
  rssMb: number;
  fds: number;
  /** Descriptors other than segment files (a broker keeps one open per segment, by design). */
  otherFds: number;
}

export function processFootprint(pid: number): Footprint {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rssMb: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024,
    ...descriptorCounts(pid),
  };
}

function descriptorCounts(pid: number): { fds: number; otherFds: number } {
  const targets = readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return ''; // closed meanwhile
    }
  });
  return { fds: targets.length, otherFds: targets.filter((target) => !target.endsWith('.meta')).length };
}
