import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { notFound } from './http-errors.js';

const idParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,20}$' } } } as const;

/** A traced message's path through this broker, by id (topics with `trace=true`). */
export function traceRoutes(app: FastifyInstance, broker: Broker): void {
  app.get<{ Params: { id: string } }>('/api/traces/:id', { schema: { params: idParam } }, (request) => {
    const { id } = request.params;
    const traces = broker.traces;
    if (traces === undefined) throw notFound('this broker traces no topic: set trace=true in a topic section (or [system]) and restart it');
    const events = traces.eventsOf(BigInt(id));
    if (events === undefined)
      throw notFound(
        `no trace of message ${id} here: it is not on a traced topic of this broker, or older than the ${broker.config.system.traceMaxMessages} traces kept`,
      );
    return { id, brokerId: broker.config.system.brokerId, events };
  });
}
