// A terminal session for a doc's shell blocks: its own network namespace (so the doc's own ports,
// 8123, 8120, 2181…, are free whatever else the suite runs) and its own /tmp (so /tmp/zk, /tmp/b1…
// are the session's), with `metaq` on PATH as `npm install -g metaq` would put it.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './broker-process.js';
import type { Block } from './doc-blocks.js';
import { root } from './doc-blocks.js';

/** Stands in for the prerequisites a doc installs: it checks they are there instead (scripts/ensure-*.sh install them). */
const APT_GET = `#!/bin/sh
[ "$1" = install ] || { echo "apt-get $*: only install is checked here" >&2; exit 1; }
shift
for p in "$@"; do case "$p" in -*) ;; *) dpkg -s "$p" >/dev/null 2>&1 || { echo "Debian package $p is not installed (scripts/ensure-*.sh)" >&2; exit 1; } ;; esac; done
`;

export class DocShellSession {
  private readonly background: ChildProcess[] = [];

  private constructor(
    private readonly namespace: string,
    private readonly dir: string,
  ) {}

  static available(): boolean {
    try {
      execFileSync('unshare', ['--mount', 'true'], { stdio: 'ignore' });
      const probe = `mqdocprobe${process.pid}`;
      execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  static create(name: string): DocShellSession {
    const dir = tempDir('doc-shell');
    // Inside, dir/tmp is /tmp: the user's HOME and working directory live there.
    for (const sub of ['tmp/home', 'tmp/work', 'tmp/bin']) mkdirSync(join(dir, sub), { recursive: true });
    // The working directory is a built checkout (`npm ci` and a build done), as the quick start assumes.
    for (const entry of ['package.json', 'bin', 'dist', 'node_modules', 'console']) symlinkSync(join(root, entry), join(dir, 'tmp/work', entry));
    const bin = join(dir, 'tmp/bin'); // /tmp/bin inside, since dir itself is under the /tmp it hides
    symlinkSync(join(root, 'bin/metaq.cjs'), join(bin, 'metaq'));
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nexec "$@"\n');
    writeFileSync(join(bin, 'apt-get'), APT_GET);
    for (const shim of ['sudo', 'apt-get']) chmodSync(join(bin, shim), 0o755);
    const namespace = `mqdoc${process.pid % 100_000}${name}`;
    execFileSync('ip', ['netns', 'add', namespace]);
    const session = new DocShellSession(namespace, dir);
    process.once('exit', () => session.close()); // a test that dies midway leaves no namespace behind
    execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    return session;
  }

  private spawnBlock(block: Block, epilogue: string): ChildProcess {
    const script = `${block.text}${epilogue}`;
    const inside = 'mount --bind "$0" /tmp && cd /tmp/work && exec bash -euo pipefail -c "$1"';
    return spawn('ip', ['netns', 'exec', this.namespace, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', inside, join(this.dir, 'tmp'), script], {
      detached: true, // its own process group, so close() ends what the block left running
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: `/tmp/bin:${process.env.PATH ?? ''}`,
        HOME: '/tmp/home',
        LANG: 'C.UTF-8',
        npm_config_ignore_scripts: 'true', // the checkout is built: `npm start` skips its prestart build
        npm_config_update_notifier: 'false',
      },
    });
  }

  /** Run a block to its end: a non-zero exit fails with the doc's line and the block's stderr. */
  run(block: Block, timeoutMs: number): Promise<string> {
    const child = this.spawnBlock(block, '\n');
    const output = collect(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(output.stdout());
        else
          reject(
            new Error(
              `${block.where}: the block ${signal === null ? `exited ${code}` : `was killed (${signal}, over ${timeoutMs} ms)`}; its stderr:\n${output.stderr()}`,
            ),
          );
      });
    });
  }

  /**
   * Start a long-running block and wait (bounded) until its ports listen; any command of it that
   * ends before close() fails the wait, with the doc's line and the block's stderr.
   */
  async start(block: Block, ports: number[], timeoutMs: number): Promise<void> {
    const epilogue = '\ns=0; wait -n || s=$?; echo "a command of this block ended (status $s) while it should keep running" >&2; exit 1\n';
    const child = this.spawnBlock(block, epilogue);
    this.background.push(child);
    const output = collect(child);
    let ended: string | undefined;
    child.once('exit', (code, signal) => (ended = `ended (${signal ?? code})`));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && ended === undefined) {
      if (this.listening(ports)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${block.where}: ${ended ?? `ports ${ports.join(', ')} not all listening within ${timeoutMs} ms`}; its stderr:\n${output.stderr()}`);
  }

  private listening(ports: number[]): boolean {
    const probe = 'for p; do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || exit 1; done';
    try {
      execFileSync('ip', ['netns', 'exec', this.namespace, 'bash', '-c', probe, '_', ...ports.map(String)], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    for (const child of this.background) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.background.length = 0;
    try {
      execFileSync('ip', ['netns', 'del', this.namespace], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stdout: () => stdout, stderr: () => stderr };
}
