import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';

/** The wall clock as retention sees it (docs/testing.md, N7): whether deletion by age is paused, and accepting a new time. */
export function clockRoutes(app: FastifyInstance, broker: Broker): void {
  const state = () => {
    const clock = broker.stores.retentionClock;
    return { wallMs: Date.now(), retentionPaused: clock.pausedByMs > 0, jumpMs: clock.pausedByMs, anomalies: clock.anomalies };
  };
  app.get('/api/clock', () => state());
  app.post('/api/clock/accept', () => {
    broker.stores.retentionClock.accept();
    broker.logger.info({ component: 'admin' }, 'wall clock accepted by the operator');
    return state();
  });
}
