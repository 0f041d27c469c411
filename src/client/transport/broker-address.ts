import { InvalidArgumentError } from '../errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
  /** `meta://host:port`, the key connections are shared by. */
  url: string;
}

/**
 * Parse `meta://host:port` (the wire; port 8123 by default) or `http://host:port` (MetaQ's HTTP
 * front end, docs/operations.md; port 8120 by default).
 */
export function parseBrokerUrl(url: string): BrokerAddress {
  const match = /^(meta|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(url);
  if (match === null)
    throw new InvalidArgumentError('serverUrl', `must look like meta://host:port (or http://host:port for the HTTP front end), got ${JSON.stringify(url)}`);
  const scheme = match[1]!;
  const port = match[3] === undefined ? (scheme === 'http' ? 8120 : 8123) : Number(match[3]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError('serverUrl', `has port ${port}, which is not in 1..65535`);
  const host = match[2]!.replace(/^\[|\]$/g, '');
  return { host, port, url: `${scheme}://${match[2]!}:${port}` };
}

/** Does this address name a broker's HTTP front end rather than its wire port? */
export function isHttpAddress(address: BrokerAddress): boolean {
  return address.url.startsWith('http://');
}
