// Bench children that start together: each prints `ready` once connected, all are released at
// once with `go` on stdin, and each ends with one JSON line. Runs under `ulimit -n`, since one
// child may hold a thousand sockets or more.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { settleDisk } from './child.js';

const here = fileURLToPath(new URL('.', import.meta.url));

export interface ChildSpec {
  script: string;
  args: Array<string | number>;
}

/** In a child: say it is ready and wait for the release. */
export async function readyThenWait(): Promise<void> {
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) if (line === 'go') return;
  throw new Error('stdin closed before go');
}

/**
 * Start every child, release them together once all are ready (`onRelease` is called then), and
 * return their JSON results in order.
 */
export async function runReleased(children: ChildSpec[], descriptors: number, onRelease: () => void = () => undefined): Promise<unknown[]> {
  settleDisk();
  const started: ChildProcess[] = [];
  try {
    const runs = children.map(({ script, args }) => {
      const child = spawn('bash', ['-c', `ulimit -n ${descriptors} && exec "$0" "$@"`, process.execPath, join(here, script), ...args.map(String)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      started.push(child);
      child.stdin.on('error', () => undefined); // a child that died before `go`: its exit tells why
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      let last = '';
      createInterface({ input: child.stdout }).on('line', (line) => (line === 'ready' ? ready() : (last = line)));
      const result = new Promise<unknown>((resolve, reject) =>
        child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as unknown) : reject(new Error(`${script} exited with ${code}`)))),
      );
      return { child, isReady, result };
    });
    // A child that fails while others connect must not leave the rest waiting for it.
    await Promise.race([Promise.all(runs.map((run) => run.isReady)), Promise.all(runs.map((run) => run.result))]);
    for (const run of runs) run.child.stdin.end('go\n');
    onRelease();
    return await Promise.all(runs.map((run) => run.result));
  } finally {
    for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
