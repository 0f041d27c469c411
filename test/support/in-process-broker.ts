import { Broker } from '../../src/broker/broker.js';
import { parseBrokerConfig } from '../../src/broker/config/broker-config.js';
import { silentLogger } from './storage-harness.js';
import { tempDir } from './broker-process.js';

/** Start a broker in this process on a free loopback port with a fresh data directory. */
export async function startBroker(system: Record<string, string | number | boolean> = {}, topics = '[topic=*]\n'): Promise<Broker> {
  const lines = Object.entries({ dataPath: tempDir('data'), serverPort: 0, unflushThreshold: 0, ...system }).map(([k, v]) => `${k}=${v}`);
  const config = parseBrokerConfig(`[system]\n${lines.join('\n')}\n${topics}`, 'test.ini');
  return Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
}
