import { Argument } from 'commander';
import type { Command } from 'commander';
import { messageId } from './option-values.js';
import type { AdminListOptionValues } from './shared-options.js';
import { withAdminListOptions } from './shared-options.js';
import { adminList } from './admin-list.js';
import { JSON_LINES, withJsonOption } from './json-option.js';

/** `metaq trace ID`: a message's path on topics with trace=true. Exits 1 when no broker traced it. */
export function registerTrace(program: Command): void {
  withJsonOption(
    withAdminListOptions(
      program
        .command('trace')
        .summary("print a message's path: stored, replicated, delivered to which group")
        .description(
          "Print a message's path on topics with trace=true: when it was stored, replicated, and fetched by which consumer group, from every broker named. Exits 1 when none traced it.",
        )
        .addArgument(new Argument('<id>', 'the message id, as send results and metaq consume print it').argParser(messageId)),
    ),
    JSON_LINES,
  ).action(async (id: bigint, options: AdminListOptionValues & { json: boolean }) => {
    const { trace } = await import('../trace-command.js');
    const { brokers, token } = await adminList(options);
    const rows = await trace({ brokers, token, id: String(id), json: options.json }, process.stdout);
    if (rows.length > 0) return;
    process.stderr.write(`no trace of message ${id} on ${brokers.join(', ')}: is its topic configured with trace=true?\n`);
    process.exitCode = 1;
  });
}
