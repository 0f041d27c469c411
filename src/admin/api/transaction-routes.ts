import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';

const keyParam = { type: 'object', required: ['key'], properties: { key: { type: 'string', pattern: '^XID:', maxLength: 1024 } } } as const;

/** Open and prepared transactions; an operator's heuristic commit or rollback of a prepared XA transaction (docs/transactions.md). */
export function transactionRoutes(app: FastifyInstance, broker: Broker): void {
  app.get('/api/transactions', () => ({ transactions: broker.transactions.list() }));

  for (const outcome of ['commit', 'rollback'] as const) {
    app.post<{ Params: { key: string } }>(`/api/transactions/:key/${outcome}`, { schema: { params: keyParam } }, async (request) => {
      await broker.transactions.completeHeuristically(request.params.key, outcome);
      return {
        key: request.params.key,
        outcome: `heuristic ${outcome}`,
        next: 'the coordinator hears the heuristic outcome when it retries, and should FORGET the transaction',
      };
    });
  }
}
