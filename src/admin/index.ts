/** The broker's HTTP side: admin API, Prometheus metrics, web console and MetaQ's HTTP front end. */
export { AdminServer } from './admin-server.js';
export type { AdminServerOptions } from './admin-server.js';
export { createBrokerMetrics } from './metrics.js';
export type { BrokerMetrics } from './metrics.js';
