import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tempDir } from './broker-process.js';

export interface ZookeeperServer {
  connect: string;
  port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * A private ZooKeeper (Debian's package) on a free loopback port with a temporary data directory
 * and tickTime 200, so sessions can expire in well under a second.
 */
export async function startZookeeper(): Promise<ZookeeperServer> {
  const port = await freePort();
  const child = spawn('java', ['-cp', '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar', '-Dzookeeper.admin.enableServer=false', 'org.apache.zookeeper.server.ZooKeeperServerMain', String(port), tempDir('zk'), '200'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let tries = 0; tries < 200 && !(await accepting(port)); tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    connect: `127.0.0.1:${port}`,
    port,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
