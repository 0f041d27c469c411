import { Broker } from '../../src/broker/broker.js';
import { MetaqClient } from '../../src/client/index.js';
import type { ClientOptions } from '../../src/client/index.js';
import type { ConnectionOptions } from '../../src/client/transport/broker-connection.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import type { PartitionStore } from '../../src/storage/partition-store.js';
import { tempDir } from './broker-process.js';
import { silentLogger } from './storage-harness.js';

/** server.ini text for an in-process broker on a free loopback port. */
export function brokerIni(system: Record<string, string | number | boolean>, replication: Record<string, string | number | boolean> = {}, extra = ''): string {
  const lines = Object.entries({ dataPath: tempDir('repl'), serverPort: 0, unflushThreshold: 0, ...system }).map(([k, v]) => `${k}=${v}`);
  const repl =
    Object.keys(replication).length === 0
      ? ''
      : `[replication]\n${Object.entries(replication)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`;
  return `[system]\n${lines.join('\n')}\n${repl}${extra}[topic=*]\n`;
}

export function startFromIni(text: string): Promise<Broker> {
  return Broker.start({ config: parseBrokerConfig(text, 'test.ini'), logger: silentLogger, host: '127.0.0.1' });
}

/** Every byte of a partition's log, from its first offset to the end written. */
export async function logBytes(log: PartitionStore | undefined): Promise<{ start: number; bytes: Buffer }> {
  if (log === undefined) return { start: 0, bytes: Buffer.alloc(0) };
  const parts: Buffer[] = [];
  let at = log.minOffset;
  while (at < log.writtenEnd) {
    const chunk = await log.read(at, 4 * 1024 * 1024);
    if (chunk.length === 0) break;
    parts.push(chunk);
    at += chunk.length;
  }
  return { start: log.minOffset, bytes: Buffer.concat(parts) };
}

/**
 * In-process brokers and clients a test file starts, closed together by `closeAll` (clients
 * first): `start` takes server.ini text, `client` connects to a local port with connection
 * options (a short reconnect back-off, so refused connections are retried quickly).
 */
export function brokerFleet(): {
  start: (text: string) => Promise<Broker>;
  client: (port: number, connection?: Partial<ConnectionOptions>, options?: Omit<ClientOptions, 'serverUrl' | 'connection'>) => MetaqClient;
  closeAll: () => Promise<void>;
} {
  const brokers: Broker[] = [];
  const clients: MetaqClient[] = [];
  return {
    async start(text) {
      const broker = await startFromIni(text);
      brokers.push(broker);
      return broker;
    },
    client(port, connection = {}, options = {}) {
      const client = new MetaqClient({ ...options, serverUrl: `meta://127.0.0.1:${port}`, connection: { reconnectMaxMs: 200, ...connection } });
      clients.push(client);
      return client;
    },
    async closeAll() {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(brokers.map((broker) => broker.stop()));
    },
  };
}
