import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdminServer } from '../../src/admin/admin-server.js';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerConfig } from '../../src/broker/config/load-config.js';
import { silentLogger } from './storage-harness.js';
import { tempDir } from './broker-process.js';

export const TOKEN = 'test-admin-token';

/** A broker started from a real server.ini, with its HTTP server on a free loopback port. */
export interface AdminFixture {
  broker: Broker;
  admin: AdminServer;
  configFile: string;
  /** Call the admin API with the right token (or `token` to try another); returns status and JSON. */
  api<T = Record<string, unknown>>(path: string, init?: { method?: string; body?: unknown; token?: string | null }): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** `token`: the admin API's token (TOKEN unless given), so two fixtures can differ as two brokers' [http] tokens do. */
export async function startAdminFixture(iniText: string, options: { sampleIntervalMs?: number; token?: string } = {}): Promise<AdminFixture> {
  const token = options.token ?? TOKEN;
  const dir = tempDir('admin');
  const configFile = join(dir, 'server.ini');
  writeFileSync(configFile, iniText.replace('@DATA@', join(dir, 'data')));
  const config = await loadBrokerConfig(configFile);
  config.system.serverPort = 0;
  const broker = await Broker.start({ config, logger: silentLogger, host: '127.0.0.1' });
  const admin = await AdminServer.start(broker, { port: 0, host: '127.0.0.1', token, sampleIntervalMs: options.sampleIntervalMs });
  return {
    broker,
    admin,
    configFile,
    async api<T>(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
      const bearer = init.token === undefined ? token : init.token;
      const headers: Record<string, string> = bearer === null ? {} : { authorization: `Bearer ${bearer}` };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${admin.url}/api${path}`, {
        method: init.method ?? 'GET',
        headers,
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // plain text answer (stats)
      }
      return { status: response.status, body: body as T };
    },
    async stop() {
      await admin.close();
      await broker.stop();
    },
  };
}

/** A server.ini for the fixture: `@DATA@` becomes the fixture's data directory. */
export function adminIni(extra = '', topics = '[topic=orders]\nnumPartitions=2\nstat=true\n[topic=logs]\n'): string {
  return `[system]\nbrokerId=3\ndataPath=@DATA@\nunflushThreshold=0\nmaxTxTimeoutInSeconds=60\n${extra}\n${topics}`;
}
