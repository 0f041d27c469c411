// A private RabbitMQ node for one `npm run bench:peers`, beside (never instead of) the machine's
// own: its own node name, ports, data and log directories and Erlang cookie, with the
// rabbitmq_stream plugin enabled and its stream listener on a free loopback port.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port.js';

export interface RabbitmqNode {
  /** The stream protocol's port. */
  streamPort: number;
  stop(): Promise<void>;
}

/** Start the node and wait until `ready(port)` sees its listeners. */
export async function startRabbitmqNode(ready: (port: number, what: string) => Promise<void>): Promise<RabbitmqNode> {
  const dir = mkdtempSync(join(tmpdir(), 'metaq-peers-rabbitmq-'));
  const [amqpPort, streamPort, distPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_stream].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.1 = 127.0.0.1:${amqpPort}`,
      `stream.listeners.tcp.1 = 127.0.0.1:${streamPort}`,
      // Clients connect to the address the node advertises for a stream's leader.
      'stream.advertised_host = 127.0.0.1',
      `stream.advertised_port = ${streamPort}`,
      'loopback_users = none',
      '',
    ].join('\n'),
  );
  // An empty env file: the machine's /etc/rabbitmq/rabbitmq-env.conf names its own node.
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: `metaq-peers-${process.pid}@localhost`,
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_PLUGINS_EXPAND_DIR: join(dir, 'plugins-expand'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  // The script itself, not Debian's /usr/sbin wrapper, which switches to the rabbitmq user.
  const server: ChildProcess = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { cwd: dir, env, stdio: 'ignore' });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const stop = async (): Promise<void> => {
    // The script traps TERM and stops the node with rabbitmqctl before it exits.
    if (server.exitCode === null) server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The AMQP listener starts after the stream one, once the plugin has booted.
    await ready(streamPort, 'RabbitMQ (stream plugin)');
    await ready(amqpPort, 'RabbitMQ');
  } catch (error) {
    await stop();
    throw error;
  }
  return { streamPort, stop };
}
