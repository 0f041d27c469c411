import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { Credentials } from './scram-login.js';

/** How a BrokerConnection beats, reconnects, bounds replies, and secures and authenticates itself. */
export interface ConnectionOptions {
  /** Send `version` after this long without traffic (a heartbeat, docs/protocol.md). */
  heartbeatIdleMs: number;
  /** Heartbeat replies that are not 200 in a row before the connection is dropped. */
  heartbeatMaxFailures: number;
  heartbeatTimeoutMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** Largest reply body accepted (a `value` holds up to the fetch size). */
  maxReplyBytes: number;
  /**
   * Speak TLS to the broker (its `[tls]` section): `ca` to trust its certificate, `cert` and
   * `key` when it asks for a client certificate. Undefined: plaintext.
   */
  tls?: TlsConnectionOptions;
  /** Log in with SCRAM-SHA-256 on every connection (brokers with `[auth] enabled=true`). */
  auth?: Credentials;
}

export const defaultConnectionOptions: ConnectionOptions = {
  heartbeatIdleMs: 10_000,
  heartbeatMaxFailures: 3,
  heartbeatTimeoutMs: 5_000,
  reconnectInitialMs: 100,
  reconnectMaxMs: 5_000,
  maxReplyBytes: 64 * 1024 * 1024,
};
