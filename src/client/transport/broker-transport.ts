import type { Command } from '../../protocol/commands.js';
import type { Reply } from './broker-connection.js';
import type { BrokerAddress } from './broker-address.js';

/**
 * How producers and consumers talk to one broker: a TCP connection speaking the wire protocol
 * (`meta://`), or MetaQ's HTTP front end (`http://`, put/get/offset only, docs/operations.md).
 */
export interface BrokerTransport {
  readonly address: BrokerAddress;
  /** Send a request and wait for its reply. */
  request(build: (opaque: number) => Command, timeoutMs: number, what: string, signal?: AbortSignal): Promise<Reply>;
  /** The metaq extensions the broker offers (`+mput`, …), asked once per connection; none over HTTP. */
  extensions(): Promise<ReadonlySet<string>>;
  /** The same, once known for the current connection (no wait on the hot path). */
  readonly knownExtensions: ReadonlySet<string> | undefined;
  /**
   * A reply body its reader is done with (nothing refers to its bytes any more): the transport
   * may read the next reply into it. Optional: a transport that does not reuse bodies has none.
   */
  recycle?(body: Buffer): void;
  /** Send a command nothing answers. */
  post(build: (opaque: number) => Command): void;
  close(): Promise<void>;
}
