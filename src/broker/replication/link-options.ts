import type { ConnectionOptions } from '../../client/transport/broker-connection.js';
import type { AuthConfig } from '../config/config-keys.js';
import type { TlsMaterial } from '../config/tls-material.js';
import { tlsClientOptions } from '../config/tls-material.js';

/** How a replication link reaches its peer broker. */
export type LinkOptions = Partial<ConnectionOptions>;

/** This broker's TLS identity (`[tls]`) and login (`[auth] brokerUser`) for its links to other brokers. */
export function replicationLinkOptions(tls: TlsMaterial | undefined, auth: AuthConfig): LinkOptions {
  return {
    ...(tls === undefined ? {} : { tls: tlsClientOptions(tls) }),
    ...(auth.brokerUser === '' ? {} : { auth: { username: auth.brokerUser, password: auth.brokerPassword } }),
  };
}
