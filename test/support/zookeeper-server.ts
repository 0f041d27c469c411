import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './broker-process.js';
import type { SpawnVia } from './broker-process.js';
import { freePort } from './free-port.js';

export interface ZookeeperServer {
  connect: string;
  port: number;
  /** SIGSTOP / SIGCONT the server: a process pause, as in N4 (docs/testing.md). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Ask `ruok`: only a ZooKeeper answers `imok`, so a port taken by another test is not mistaken for ours. */
function answersRuok(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = connect({ host, port }, () => socket.write('ruok'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(reply === 'imok'));
  });
}

/**
 * A private ZooKeeper (Debian's package) on a free loopback port with a temporary data directory
 * and tickTime 200, so sessions can expire in well under a second. The server grants sessions of
 * 400 ms up to `maxSessionTimeoutMs` (default 4000, ZooKeeper's 20 ticks). `spawnVia` and
 * `address` run it elsewhere, such as in a network namespace at that namespace's address.
 */
export async function startZookeeper(options: { maxSessionTimeoutMs?: number; spawnVia?: SpawnVia; address?: string } = {}): Promise<ZookeeperServer> {
  const address = options.address ?? '127.0.0.1';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const dir = tempDir('zk');
    const config = join(dir, 'zoo.cfg');
    writeFileSync(
      config,
      `tickTime=200\ndataDir=${join(dir, 'data')}\nclientPort=${port}\nclientPortAddress=${address}\nmaxSessionTimeout=${options.maxSessionTimeoutMs ?? 4000}\n`,
    );
    const [command, args] = (options.spawnVia ?? ((c: string, a: string[]): [string, string[]] => [c, a]))('java', [
      '-cp',
      '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar',
      '-Dzookeeper.admin.enableServer=false',
      '-Dzookeeper.4lw.commands.whitelist=ruok',
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      config,
    ]);
    const child = spawn(command, args, { stdio: 'ignore' });
    let alive = true;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        alive = false;
        resolve();
      }),
    );
    // Bounded: 20 s for the JVM to start; a port lost to a race makes the server exit, and we retry.
    for (let tries = 0; tries < 100 && alive; tries += 1) {
      if (await answersRuok(address, port)) {
        return {
          connect: `${address}:${port}`,
          port,
          pause: () => child.kill('SIGSTOP'),
          resume: () => child.kill('SIGCONT'),
          stop: async () => {
            child.kill('SIGCONT');
            child.kill('SIGKILL');
            await exited;
          },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    child.kill('SIGKILL');
    await exited;
  }
  throw new Error('could not start a private ZooKeeper server (is the zookeeper package installed?)');
}
