import { Argument } from 'commander';
import type { Command } from 'commander';
import { xaTransactionKey } from './option-values.js';
import type { BrokerOptionValues } from './shared-options.js';
import { withBrokerOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { checkJsonAction, withJsonOption } from './json-option.js';

/** `metaq tx list|commit|rollback`: prepared XA transactions, finished by hand when their coordinator is gone. */
export function registerTransactions(program: Command): void {
  withJsonOption(
    withBrokerOptions(
      program
        .command('tx')
        .summary("list a broker's transactions, or commit or roll back a prepared XA one")
        .description(
          "list: the broker's open and heuristically completed transactions. commit or rollback XID_KEY: finish a prepared XA transaction whose coordinator is gone; the coordinator hears the heuristic outcome when it retries (docs/transactions.md).",
        )
        .addArgument(new Argument('<action>', 'what to do').choices(['list', 'commit', 'rollback']))
        .argument('[xid-key]', 'with commit or rollback: the XID:… key that tx list prints', xaTransactionKey),
    ),
  ).action(async (action: string, key: string | undefined, options: BrokerOptionValues & JsonOptionValues) => {
    checkJsonAction(options, 'tx', action, 'list');
    const { transactions } = await import('../commands.js');
    await transactions(options, action, key, process.stdout, options.json);
  });
}
