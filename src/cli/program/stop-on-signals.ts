import type { AdminServer } from '../../admin/admin-server.js';
import type { Broker } from '../../broker/broker.js';

/**
 * On SIGTERM or SIGINT: close the HTTP side, then stop the broker, and exit 0. A stop held past
 * `deadlineMs` (a connection that never finishes, a stuck disk) exits 1 instead, so a supervisor
 * waiting on the process is not waiting forever.
 */
export function stopOnSignals(broker: Broker, admin: AdminServer | undefined, deadlineMs: number): void {
  const shutdown = (signal: string): void => {
    broker.logger.info({ component: 'broker', signal }, 'signal received');
    setTimeout(() => {
      broker.logger.error({ component: 'broker', shutdownTimeoutMs: deadlineMs }, 'graceful stop did not finish within [system] shutdownTimeoutMs; exiting');
      process.exit(1);
    }, deadlineMs);
    Promise.resolve(admin?.close())
      .then(() => broker.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          broker.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
