import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';

/** The running server.ini and MetaQ's reload of its topic sections (docs/admin-api.md). */
export function configRoutes(app: FastifyInstance, broker: Broker): void {
  app.get('/api/config', () => ({
    file: broker.config.file ?? null,
    text: broker.config.text,
    topics: broker.config.topics.map((t) => ({ ...t, filters: Object.fromEntries(t.filters) })),
  }));

  app.post('/api/config/reload', async () => broker.reloadTopics());
}
