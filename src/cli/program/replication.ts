import { Argument, Option } from 'commander';
import type { Command } from 'commander';
import { integer } from './option-values.js';
import type { BrokerOptionValues, ZkOptionValues } from './shared-options.js';
import { withBrokerOptions, withZkOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { checkJsonAction, withJsonOption } from './json-option.js';
import { required } from './required-options.js';

interface PromoteOptions extends ZkOptionValues {
  brokerId: number;
  force: boolean;
  sessionTimeout: number;
}

/** `metaq promote --broker-id N`: make a broker id's sync slave its master. */
export function registerPromote(program: Command): void {
  withZkOptions(
    program
      .command('promote')
      .summary("make a broker id's sync slave its master")
      .description(
        "Make a broker id's sync slave its master (docs/replication.md), and wait until it registered. The new master acks puts without a slave until one is configured.",
      )
      .addOption(required(new Option('--broker-id <N>', 'the broker id whose sync slave takes over').argParser(integer)))
      .addOption(new Option('--force', 'promote even while the master is alive, fencing it').default(false))
      .addOption(
        new Option('--session-timeout <MS>', "the old master's zk.zkSessionTimeoutMs: how long to wait for a master that does not answer to leave ZooKeeper")
          .argParser(integer)
          .default(30_000),
      ),
  ).action(async (options: PromoteOptions) => {
    const { promote } = await import('../replication-commands.js');
    await promote(options.zk, options.root, options.brokerId, { force: options.force, sessionTimeoutMs: options.sessionTimeout }, process.stdout);
  });
}

/** `metaq slave status|resubscribe`: a broker's replication state, or restart an async slave's copying. */
export function registerSlave(program: Command): void {
  withJsonOption(
    withBrokerOptions(
      program
        .command('slave')
        .summary("print a broker's replication state, or restart an async slave's copying")
        .description("status: the broker's replication role and state. resubscribe: make an async slave restart its copying from the master.")
        .addArgument(new Argument('<action>', 'what to do').choices(['status', 'resubscribe'])),
    ),
  ).action(async (action: string, options: BrokerOptionValues & JsonOptionValues) => {
    checkJsonAction(options, 'slave', action, 'status');
    const { slave } = await import('../replication-commands.js');
    await slave(options, action, process.stdout, options.json);
  });
}
