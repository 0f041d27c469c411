// rabbitmq-stream-js-client opens every connection with the "exchange command versions" command,
// which RabbitMQ added in 3.11; Debian 12's RabbitMQ 3.10 answers it by closing the connection.
// Skip it on servers before 3.11: the server then keeps its version-1 commands (deliver v1,
// publish v1), which the client decodes and sends as well. Newer servers go through unchanged.
import { Connection } from 'rabbitmq-stream-js-client/dist/connection.js';

interface ConnectionInternals {
  peerProperties: Record<string, string>;
  exchangeCommandVersions: (this: ConnectionInternals) => Promise<unknown>;
}

const internals = Connection.prototype as unknown as ConnectionInternals;
const exchangeCommandVersions = internals.exchangeCommandVersions;

/** True for a stream server that predates the command: 3.x below 3.11. */
function before311(version: string | undefined): boolean {
  const [major, minor] = (version ?? '').split('.').map(Number);
  return major === 3 && minor !== undefined && minor < 11;
}

internals.exchangeCommandVersions = function (this: ConnectionInternals): Promise<unknown> {
  return before311(this.peerProperties.version) ? Promise.resolve(true) : exchangeCommandVersions.call(this);
};
