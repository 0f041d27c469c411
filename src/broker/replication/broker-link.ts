import { BrokerConnection } from '../../client/transport/broker-connection.js';
import { parseBrokerUrl } from '../../client/transport/broker-address.js';
import type { LinkOptions } from './link-options.js';

/** A connection to another broker, as replication and online moves open them. */
export type BrokerLink = BrokerConnection;

/** Connect to the broker registered at `url` (`meta://host:port`). */
export function openBrokerLink(url: string, options: LinkOptions): BrokerLink {
  return new BrokerConnection(parseBrokerUrl(url), options);
}
