import { Option } from 'commander';
import type { Command } from 'commander';
import { defaultThresholds } from '../monitor/broker-checks.js';
import { groupName, integer, nonNegativeNumber, repeatable, topicName } from './option-values.js';
import type { AdminListOptionValues } from './shared-options.js';
import { withAdminListOptions } from './shared-options.js';
import { adminList } from './admin-list.js';
import { withJsonOption } from './json-option.js';

interface MonitorOptions extends AdminListOptionValues {
  rounds?: number;
  intervalMs: number;
  json: boolean;
  topic: string;
  group: string;
  sendTimeoutMs: number;
  receiveTimeoutMs: number;
  putFailed: number;
  stallMs: number;
  prepared: number;
  preparedAgeMs: number;
  connections: number;
  connectionsPerAddress: number;
  diskUsedPercent: number;
  loadPerCpu: number;
  replicationLagBytes: number;
  ignoreGroup?: string[];
}

function whole(flags: string, description: string, value: number): Option {
  return new Option(flags, description).default(value).argParser(integer);
}

/**
 * `metaq monitor` (MetaQ's MonitorStartup): probe send and receive through every master, watch
 * stalled consumers, prepared transactions, failed puts, disks and replication. Exits 2 when an
 * alert fired, for cron.
 */
export function registerMonitor(program: Command): void {
  const t = defaultThresholds;
  withJsonOption(
    withAdminListOptions(
      program
        .command('monitor')
        .summary('probe every broker and alert on stalls, failures, full disks and replication')
        .description(
          'Every round, for each broker named (masters and slaves), read its admin API and run the checks, and send a probe message through it and read it back. Alerts print when they start and when they clear. Runs until interrupted, or --rounds times; exits 0 when nothing fired, 2 when something did (docs/operations.md).',
        )
        .addOption(new Option('--rounds <N>', 'stop after this many rounds (default: run until interrupted)').argParser(integer))
        .addOption(whole('--interval-ms <MS>', 'time between rounds', 10_000))
        .addOption(new Option('--topic <T>', 'the probe topic every broker configures').argParser(topicName).default('meta-monitor-topic'))
        .addOption(new Option('--group <G>', 'the group that reads the probes back').argParser(groupName).default('meta-monitor-receive'))
        .addOption(whole('--send-timeout-ms <MS>', 'probe-send: a probe put slower than this alerts', 3000))
        .addOption(whole('--receive-timeout-ms <MS>', 'probe-receive: a probe not read back within this alerts', 3000))
        .addOption(whole('--put-failed <N>', 'put-failed: more failed puts than this in a round', t.putFailed))
        .addOption(whole('--stall-ms <MS>', "stalled-consumer: a group's position unmoved this long with bytes to read", t.stallMs))
        .addOption(whole('--prepared <N>', 'prepared-transactions: more than this many prepared for longer than --prepared-age-ms', t.prepared))
        .addOption(whole('--prepared-age-ms <MS>', 'prepared-transactions: the age', t.preparedAgeMs))
        .addOption(whole('--connections <N>', 'connections: more open connections in all', t.connections))
        .addOption(whole('--connections-per-address <N>', 'connections: more from one client address', t.connectionsPerAddress))
        .addOption(
          new Option('--disk-used-percent <P>', "disk: a data path's file system fuller than this")
            .default(Math.round(t.diskUsed * 100))
            .argParser(nonNegativeNumber),
        )
        .addOption(new Option('--load-per-cpu <X>', 'load: one-minute load average per CPU above this').default(t.loadPerCpu).argParser(nonNegativeNumber))
        .addOption(whole('--replication-lag-bytes <B>', 'replication: a copy further behind than this', t.replicationLagBytes))
        .addOption(repeatable('--ignore-group <G>', 'a group not watched for stalls; repeat for several')),
    ),
    'one JSON object per alert line',
  ).action(async (options: MonitorOptions) => {
    const { runMonitor } = await import('../monitor/monitor.js');
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    const { brokers, token } = await adminList(options);
    const fired = await runMonitor(
      {
        brokers,
        token,
        rounds: options.rounds,
        intervalMs: options.intervalMs,
        json: options.json,
        probe: { topic: options.topic, group: options.group, sendTimeoutMs: options.sendTimeoutMs, receiveTimeoutMs: options.receiveTimeoutMs },
        thresholds: {
          putFailed: options.putFailed,
          stallMs: options.stallMs,
          prepared: options.prepared,
          preparedAgeMs: options.preparedAgeMs,
          connections: options.connections,
          connectionsPerAddress: options.connectionsPerAddress,
          diskUsed: options.diskUsedPercent / 100,
          loadPerCpu: options.loadPerCpu,
          replicationLagBytes: options.replicationLagBytes,
        },
        ignoredGroups: [options.group, 'metaq-get', 'Just_for_Browser', ...(options.ignoreGroup ?? [])],
        signal: controller.signal,
      },
      process.stdout,
      process.stderr,
    );
    if (fired > 0) process.exitCode = 2;
  });
}
