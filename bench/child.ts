// Runs one bench script (compiled, beside this file) in its own process and parses its JSON line.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Write the page cache's dirty pages out before a measurement starts: a run writes 100 MB or
 * more, and the one after it paid for that writeback (in pairs of runs the second was the slower
 * by 25-35 % of broker CPU, whichever build it was).
 */
export function settleDisk(): void {
  execFileSync('sync');
}

/** The host's CPU time so far, busy and all, in clock ticks (the first line of /proc/stat). */
function cpuTicks(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  // idle and iowait are the fourth and fifth fields.
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

/**
 * Wait (at most `maxSeconds`) for a second in which the host's CPUs are at least 90 % idle, so a
 * latency figure does not carry the tail of the section before it (writeback, exiting children);
 * resolves with that last second's busy share.
 */
export async function waitForQuietCpu(maxSeconds = 60): Promise<number> {
  let busyShare = 1;
  for (let second = 0; second < maxSeconds && busyShare > 0.1; second += 1) {
    const before = cpuTicks();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = cpuTicks();
    busyShare = (after.busy - before.busy) / Math.max(1, after.total - before.total);
  }
  return busyShare;
}

/**
 * Messages a producer child sends untimed before its timed run (passed by `runChild`, read with
 * `warmUpCount` by producer.js and client-producer.js): the broker and the client are measured
 * at their steady rate, not in their first compilations, as the peer comparison measures every peer.
 */
const WARM_UP_ENV = 'BENCH_WARM_UP';

/** In a producer child: how many messages to send untimed first. */
export function warmUpCount(): number {
  return Number(process.env[WARM_UP_ENV] ?? 0);
}

export function runChild(script: string, args: Array<string | number>, warmUp = 0): Promise<unknown> {
  settleDisk();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, script), ...args.map(String)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, [WARM_UP_ENV]: String(warmUp) },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as unknown) : reject(new Error(`${script} exited with ${code}`))));
  });
}
