import { MetaqError } from '../../common/errors.js';
import { IDEMPOTENT_PUT_EXTENSION } from '../../protocol/commands.js';
import { ConnectionError, InvalidArgumentError } from '../errors.js';
import type { Partition } from '../message.js';
import type { BrokerTransport } from '../transport/broker-transport.js';

/** An idempotent send needs a named partition on a broker that offers `+idem`. */
export async function checkIdempotence(connection: BrokerTransport, partition: Partition): Promise<void> {
  if (partition.index < 0)
    throw new InvalidArgumentError(
      'options.partition',
      `is needed for an idempotent send when the topic's partitions are not known (sequence numbers belong to one partition): in direct mode pass ClientOptions.partitions`,
    );
  if ((await connection.extensions()).has(IDEMPOTENT_PUT_EXTENSION)) return;
  if (connection.knownExtensions === undefined)
    throw new ConnectionError(`${connection.address.url} did not say which extensions it offers (no answer to version); nothing was sent, retry the send`);
  throw new MetaqError(
    'UNSUPPORTED',
    `${connection.address.url} does not offer idempotent puts (+idem): it is not a metaq broker, or an older one; create the producer without idempotent`,
  );
}
