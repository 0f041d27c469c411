import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { MetaqError } from '../../common/errors.js';
import { integer, listValues, repeatable, topicName } from './option-values.js';
import type { ZkOptionValues } from './shared-options.js';
import { withZkOptions } from './shared-options.js';
import type { JsonOptionValues } from './json-option.js';
import { withJsonOption } from './json-option.js';

interface ReassignOptions extends ZkOptionValues, JsonOptionValues {
  plan: boolean;
  execute?: string;
  status: boolean;
  cancel: boolean;
  drain?: number;
  add?: number;
  move?: MoveSpec[];
  topic?: string[];
  throttle: number;
  wait: boolean;
  timeoutMs?: number;
}

interface MoveSpec {
  topic: string;
  source: number;
  count: number;
  target: number;
}

/** `--move TOPIC:SOURCE:COUNT:TARGET`: the last COUNT partitions of TOPIC on broker SOURCE go to broker TARGET. */
function moveSpec(text: string, previous: MoveSpec[] | undefined): MoveSpec[] {
  const match = /^([^:]+):(\d+):(\d+):(\d+)$/.exec(text);
  if (match === null)
    throw new InvalidArgumentError('Give TOPIC:SOURCE:COUNT:TARGET, as orders:1:2:3 (the last 2 partitions of orders on broker 1 to broker 3).');
  return [...(previous ?? []), { topic: topicName(match[1]!), source: Number(match[2]), count: Number(match[3]), target: Number(match[4]) }];
}

/** A throttle: bytes per second as a number, or with a unit (`10MB`, `512KiB`, `1g`); 0 = none. */
function rate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)(?:\/s)?$/i.exec(text.trim());
  if (match === null) throw new InvalidArgumentError(`${JSON.stringify(text)} is not a rate: give bytes per second, as 10485760, 10MB or 10MiB.`);
  const unit = match[2]!.toLowerCase();
  const base = match[3]!.toLowerCase().startsWith('i') ? 1024 : 1000;
  return Math.round(Number(match[1]) * base ** (unit === '' ? 0 : 'kmg'.indexOf(unit) + 1));
}

/** `metaq reassign`: plan, run and follow online partition moves (docs/cluster.md, moving partitions). */
export function registerReassign(program: Command): void {
  withJsonOption(
    withZkOptions(
      program
        .command('reassign')
        .summary('move partitions between running brokers: plan, execute, follow, cancel')
        .description(
          'Move partitions between running brokers while producers and consumers keep going. --plan prints the moves a drain (--drain ID), a new broker (--add ID) or named moves (--move) need, as JSON; --execute FILE records them in ZooKeeper, where the brokers copy and switch them; --status shows how far each got (--wait follows until all are done); --cancel drops the moves that have not fenced their source yet.',
        )
        .addOption(new Option('--plan', 'print the moves as JSON').default(false))
        .addOption(new Option('--execute <FILE>', 'record the moves of a plan file (- for standard input)'))
        .addOption(new Option('--status', 'show every recorded move').default(false))
        .addOption(new Option('--cancel', 'cancel the moves that have not fenced their source').default(false))
        .addOption(new Option('--drain <ID>', 'plan: move every partition off this broker').argParser(integer))
        .addOption(new Option('--add <ID>', "plan: move partitions to this broker until each topic's partitions are even").argParser(integer))
        .addOption(
          new Option('--move <TOPIC:SOURCE:COUNT:TARGET>', 'plan: the last COUNT partitions of TOPIC on SOURCE to TARGET (repeatable)').argParser(moveSpec),
        )
        .addOption(repeatable('--topic <T>', 'plan: only these topics (repeatable, or comma-separated)'))
        .addOption(
          new Option('--throttle <RATE>', 'execute: copy each move at most this fast, bytes per second (10MB, 10MiB, 10485760); 0 = no limit')
            .default(0)
            .argParser(rate),
        )
        .addOption(new Option('--wait', 'execute, status: follow until every move is done').default(false))
        .addOption(new Option('--timeout-ms <N>', 'with --wait: give up after this long (exit 1)').argParser(integer)),
    ),
  ).action(async (options: ReassignOptions) => {
    const modes = [options.plan, options.execute !== undefined, options.status, options.cancel].filter(Boolean).length;
    if (modes !== 1) throw new MetaqError('USAGE', 'give exactly one of --plan, --execute FILE, --status, --cancel');
    const commands = await import('../reassign-command.js');
    const { zk, root } = options;
    if (options.plan) {
      const topics = options.topic === undefined ? undefined : listValues(options.topic);
      const asked = [options.drain !== undefined, options.add !== undefined, options.move !== undefined].filter(Boolean).length;
      if (asked !== 1) throw new MetaqError('USAGE', '--plan needs exactly one of --drain ID, --add ID, --move TOPIC:SOURCE:COUNT:TARGET');
      const request =
        options.drain !== undefined
          ? { kind: 'drain' as const, broker: options.drain, topics }
          : options.add !== undefined
            ? { kind: 'add' as const, broker: options.add, topics }
            : { kind: 'moves' as const, moves: options.move! };
      return commands.planReassignment(zk, root, request, process.stdout);
    }
    if (options.execute !== undefined) {
      await commands.executeReassignment(zk, root, await commands.readPlan(options.execute), options.throttle, process.stdout);
      if (!options.wait) return;
    }
    if (options.cancel) return commands.cancelReassignment(zk, root, process.stdout);
    const done = await commands.reassignmentStatus(zk, root, process.stdout, { json: options.json, wait: options.wait, timeoutMs: options.timeoutMs });
    if (options.wait && !done) throw new MetaqError('MOVE_REFUSED', 'gave up waiting: some moves are not done (see the problem column)');
  });
}
