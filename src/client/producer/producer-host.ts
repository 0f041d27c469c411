import type { PartitionRouter } from '../partition-router.js';
import type { BrokerAddress } from '../transport/broker-address.js';
import type { BrokerTransport } from '../transport/broker-transport.js';

/** What a producer needs from its client: routing and shared connections. */
export interface ProducerHost {
  router: PartitionRouter;
  connection(address: BrokerAddress): BrokerTransport;
}
