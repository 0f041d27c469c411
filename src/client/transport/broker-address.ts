import { InvalidArgumentError } from '../errors.js';

export interface BrokerAddress {
  host: string;
  port: number;
  /** `meta://host:port`, the key connections are shared by. */
  url: string;
}

/** Parse `meta://host:port` (the port defaults to 8123). */
export function parseBrokerUrl(url: string): BrokerAddress {
  const match = /^meta:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(url);
  if (match === null) throw new InvalidArgumentError('serverUrl', `must look like meta://host:port, got ${JSON.stringify(url)}`);
  const port = match[2] === undefined ? 8123 : Number(match[2]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError('serverUrl', `has port ${port}, which is not in 1..65535`);
  const host = match[1]!.replace(/^\[|\]$/g, '');
  return { host, port, url: `meta://${match[1]!}:${port}` };
}
