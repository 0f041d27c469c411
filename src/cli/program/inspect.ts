import type { Command } from 'commander';
import type { BrokerOptionValues, ZkOptionValues } from './shared-options.js';
import { withBrokerOptions, withZkOptions } from './shared-options.js';

/** `metaq stats [ITEM]`: the broker's stats lines. */
export function registerStats(program: Command): void {
  withBrokerOptions(
    program
      .command('stats')
      .summary("print a broker's stats")
      .description("Print a broker's stats lines (the stats command of the wire protocol), all of them or one item's.")
      .argument('[item]', 'one stats item, such as topics, transactions or replication'),
  ).action(async (item: string | undefined, options: BrokerOptionValues) => {
    const { printStats } = await import('../commands.js');
    await printStats(options, item, process.stdout);
  });
}

/** `metaq cluster`: what ZooKeeper knows of the cluster. */
export function registerCluster(program: Command): void {
  withZkOptions(
    program
      .command('cluster')
      .summary('print the brokers, topics and consumer groups in ZooKeeper')
      .description(
        "Print the cluster as ZooKeeper holds it: brokers, topics and their partitions, consumer groups with each partition's offset, end, lag and owner.",
      ),
  ).action(async (options: ZkOptionValues) => {
    const { printCluster } = await import('../commands.js');
    await printCluster(options.zk, options.root, process.stdout);
  });
}
