// How long a process's threads ran, and waited runnable for a CPU (/proc/PID/task/*/schedstat): on a
// shared machine the second shows when a latency tail is CPU starvation rather than the disk.
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadTimes {
  cpuSeconds: number;
  runnableWaitSeconds: number;
  /** The same wait of the main thread alone: the event loop's. */
  mainWaitSeconds: number;
}

/** Sums over the threads alive now; a thread that already exited is not counted. */
export function threadTimes(pid: number): ThreadTimes {
  let cpu = 0;
  let wait = 0;
  let mainWait = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [ran, waited] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
      cpu += ran ?? 0;
      wait += waited ?? 0;
      if (task === String(pid)) mainWait = waited ?? 0;
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return { cpuSeconds: cpu / 1e9, runnableWaitSeconds: wait / 1e9, mainWaitSeconds: mainWait / 1e9 };
}
