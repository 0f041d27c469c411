/** The broker a command talks to over the wire (`--host`, `--port`). */
export interface Target {
  host: string;
  port: number;
}

/** A meta:// URL, with an IPv6 address in brackets. */
export function urlOf(target: Target): string {
  return `meta://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}
