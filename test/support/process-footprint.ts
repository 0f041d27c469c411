import { readdirSync, readFileSync } from 'node:fs';

/** A live process's resident memory and open file descriptors, read from /proc (Linux). */
export interface Footprint {
  rssMb: number;
  fds: number;
}

export function processFootprint(pid: number): Footprint {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rssMb: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
  };
}
