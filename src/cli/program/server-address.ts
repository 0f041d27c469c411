import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';

// `--server` / METAQ_SERVER: the broker as one address, filling in --host and --port where they
// were not given, so a shell can name its broker once for every command.

export interface ServerAddress {
  host: string;
  port: number;
}

/** `meta://host:port`, `host:port` or `host` (port 8123); an IPv6 address in brackets. */
export function serverAddress(text: string): ServerAddress {
  const match = /^(?:meta:\/\/)?(\[[0-9A-Fa-f:.]+\]|[^:/[\]\s]+)(?::([0-9]{1,5}))?\/?$/.exec(text);
  const port = match?.[2] === undefined ? 8123 : Number(match[2]);
  if (match === null || port < 1 || port > 65535)
    throw new InvalidArgumentError('It must be a broker address: meta://host:port, host:port or host (port 8123).');
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export function serverOption(): Option {
  return new Option('--server <ADDR>', 'the broker as meta://host:port or host:port; --host and --port win over it')
    .argParser(serverAddress)
    .env('METAQ_SERVER');
}

/** Before the action: --host and --port not given on the command line take the server address's. */
export function applyServerAddress(command: Command): void {
  const server = command.getOptionValue('server') as ServerAddress | undefined;
  if (server === undefined) return;
  for (const key of ['host', 'port'] as const) {
    const source = command.getOptionValueSource(key);
    if (source === undefined || source === 'default') command.setOptionValueWithSource(key, server[key], command.getOptionValueSource('server') ?? 'env');
  }
}
