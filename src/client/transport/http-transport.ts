import { DEFAULT_OPAQUE } from '../../protocol/commands.js';
import type { Command } from '../../protocol/commands.js';
import { AbortedError, ConnectionError, InvalidArgumentError, RequestTimeoutError } from '../errors.js';
import type { BrokerAddress } from './broker-address.js';
import type { Reply } from './broker-connection.js';
import type { BrokerTransport } from './broker-transport.js';

/**
 * MetaQ's HTTP client transport (docs/operations.md, HTTP front end): put, get and offset as `POST /put`, `GET /get` and
 * `GET /offset` on a broker's HTTP port, for networks where only HTTP passes. The HTTP status is
 * the wire's result code, so producers and consumers handle replies exactly as over TCP.
 * Transactions, stats and the other commands exist only on the wire.
 */
export class HttpTransport implements BrokerTransport {
  private readonly base: string;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  /** MetaQ's HTTP front end has only put, get and offset. */
  readonly knownExtensions: ReadonlySet<string> = new Set();

  extensions(): Promise<ReadonlySet<string>> {
    return Promise.resolve(this.knownExtensions);
  }

  constructor(readonly address: BrokerAddress) {
    this.base = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  }

  async request(build: (opaque: number) => Command, timeoutMs: number, what: string, signal?: AbortSignal): Promise<Reply> {
    if (this.closed) throw new ConnectionError(`HTTP transport to ${this.base} is closed`);
    const command = build(DEFAULT_OPAQUE);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RequestTimeoutError(what, timeoutMs)), timeoutMs);
    const onAbort = () => controller.abort(new AbortedError(what));
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight.add(controller);
    try {
      const response = await fetch(this.requestUrl(command), {
        method: command.kind === 'put' ? 'POST' : 'GET',
        body: command.kind === 'put' ? command.body : undefined,
        headers: command.kind === 'put' ? { 'content-type': 'application/octet-stream' } : {},
        signal: controller.signal,
      });
      const body = Buffer.from(await response.arrayBuffer());
      if (command.kind === 'get' && response.status === 200) return { kind: 'value', opaque: command.opaque, body };
      return { kind: 'result', code: response.status, opaque: DEFAULT_OPAQUE, body };
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason;
      throw new ConnectionError(`${what} over HTTP to ${this.base} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(controller);
    }
  }

  private requestUrl(command: Command): string {
    const q = (params: Record<string, string | number>) =>
      new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
    switch (command.kind) {
      case 'put':
        return `${this.base}/put?${q({ topic: command.topic, partition: command.partition, flag: command.flag, length: command.body.length, checksum: command.checksum })}`;
      case 'get':
        return `${this.base}/get?${q({ topic: command.topic, partition: command.partition, group: command.group, offset: command.offset, maxsize: command.maxSize })}`;
      case 'offset':
        return `${this.base}/offset?${q({ topic: command.topic, partition: command.partition, group: command.group, offset: command.offset })}`;
      default:
        throw new InvalidArgumentError(
          'serverUrl',
          `is an http:// address, and over HTTP only put, get and offset exist (MetaQ's front end); use meta://host:port for ${command.kind}`,
        );
    }
  }

  post(build: (opaque: number) => Command): void {
    throw new InvalidArgumentError('serverUrl', `is an http:// address, and ${build(DEFAULT_OPAQUE).kind} exists only on the wire; use meta://host:port`);
  }

  close(): Promise<void> {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort(new ConnectionError(`HTTP transport to ${this.base} was closed`));
    return Promise.resolve();
  }
}
