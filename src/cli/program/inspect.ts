import type { Command } from 'commander';
import type { BrokerOptionValues, ZkOptionValues } from './shared-options.js';
import { withBrokerOptions, withZkOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';

/** `metaq stats [ITEM]`: the broker's stats lines. */
export function registerStats(program: Command): void {
  withJsonOption(
    withBrokerOptions(
      program
        .command('stats')
        .summary("print a broker's stats")
        .description("Print a broker's stats lines (the stats command of the wire protocol), all of them or one item's.")
        .argument('[item]', 'one stats item, such as topics, offsets, realtime, config, transactions, replication or a topic'),
    ),
  ).action(async (item: string | undefined, options: BrokerOptionValues & JsonOptionValues) => {
    const { printStats } = await import('../commands.js');
    await printStats(options, item, process.stdout, options.json);
  });
}

/** `metaq cluster`: what ZooKeeper knows of the cluster. */
export function registerCluster(program: Command): void {
  withJsonOption(
    withZkOptions(
      program
        .command('cluster')
        .summary('print the brokers, topics and consumer groups in ZooKeeper')
        .description(
          "Print the cluster as ZooKeeper holds it: brokers, topics and their partitions, consumer groups with each partition's offset, end, lag and owner.",
        ),
    ),
  ).action(async (options: ZkOptionValues & JsonOptionValues) => {
    const { printCluster } = await import('../commands.js');
    await printCluster(options.zk, options.root, process.stdout, options.json);
  });
}
