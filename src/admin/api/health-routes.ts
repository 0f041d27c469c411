import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';

/**
 * Probes for orchestrators, open like the broker port (they say nothing a client could not learn):
 * `/healthz` answers while the process serves HTTP, `/readyz` only while the broker serves clients.
 */
export function healthRoutes(app: FastifyInstance, broker: Broker): void {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    if (broker.ready) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: 'the broker is starting or stopping' });
  });
}
