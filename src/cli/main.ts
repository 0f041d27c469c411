#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { Broker } from '../broker/broker.js';
import { AdminServer } from '../admin/admin-server.js';
import { loadBrokerConfig } from '../broker/config/load-config.js';
import { MetaqError } from '../common/errors.js';
import { consume, printCluster, printStats, produce, stdinLines, transactions, urlOf } from './commands.js';
import { promote, slave } from './replication-commands.js';
import { closePartitions, copyGroupOffsets, deletePartitionDirs, movePartitionDirs, openPartitions, reload, showOffsets } from './operations-commands.js';
import { AdminClient } from '../admin/admin-client.js';
import { showSqlOffsets } from './sql-offsets.js';
import { defaultCheckpointPath, tail } from './tail-command.js';
import { defaultTailOptions } from '../integrations/tail/tail-agent.js';
import { runMonitor } from './monitor/monitor.js';
import { lag } from './lag-command.js';
import { listDeadLetters, replayDeadLetters } from './dlq-command.js';
import { lookup } from './lookup-command.js';
import { trace } from './trace-command.js';
import { binlog, binlogApply, defaultBinlogCheckpoint, defaultServerId, parseTables } from './binlog-commands.js';
import { defaultBinlogOptions } from '../integrations/binlog/binlog-publisher.js';
import { defaultThresholds } from './monitor/broker-checks.js';
import { loadConnectionEnv } from './connection-env.js';
import { userCommand } from './user-command.js';

const USAGE = `usage:
  metaq server  [--config FILE] [--data DIR] [--port N] [--http-port N] [--host ADDR] [--zk HOST:PORT[/chroot]]
  metaq stats   [ITEM] [--host ADDR] [--port N]
  metaq cluster [--zk HOST:PORT[/chroot]] [--root /meta]
  metaq produce TOPIC [--message TEXT]... [--host ADDR] [--port N]   (lines from stdin without --message)
  metaq promote --broker-id N [--force] [--zk HOST:PORT[/chroot]] [--root /meta]   (make a broker id's sync slave its master, §6.3)
  metaq slave   status | resubscribe [--host ADDR] [--port N]   (replication state; restart an async slave's copying)
  metaq tx      list | commit XID_KEY | rollback XID_KEY [--host ADDR] [--port N]   (prepared XA transactions, §5.6.4)
  metaq reload  [--admin URL] [--token T]   (re-read the topic sections of server.ini, §4.3)
  metaq close-partitions TOPIC --start A --end B [--admin URL] [--token T]   (puts and gets answer 403, §4.4)
  metaq open-partitions TOPIC [--admin URL] [--token T]
  metaq move-partitions --data DIR --topic T --start A --end B --offset K   (broker stopped: rename T-i to T-(i+K))
  metaq delete-partitions --data DIR --topic T --start A --end B [--force]   (broker stopped)
  metaq copy-offsets --topic T --source ID --target ID --start A --end B [--target-start N] [--zk HOST:PORT] [--root /meta]
  metaq offsets --group G --topic T [--zk HOST:PORT] [--root /meta]   (committed offsets and owners in ZooKeeper)
  metaq offsets --group G --topic T --db mysql://USER@HOST/DB|postgres://USER@HOST/DB [--table meta_topic_partition_group_offset]
  metaq lag     [--group G] [--topic T] [--admin URL]... [--json]   (each group's lag per partition, in bytes, from every broker named)
  metaq monitor [--admin URL]... [--rounds N] [--interval-ms MS] [--json] [--topic meta-monitor-topic] [--group meta-monitor-receive]
                [--send-timeout-ms MS] [--receive-timeout-ms MS] [--put-failed N] [--stall-ms MS] [--prepared N] [--prepared-age-ms MS]
                [--connections N] [--connections-per-address N] [--disk-used-percent P] [--load-per-cpu X] [--replication-lag-bytes B] [--ignore-group G]...
                (probe send/receive through every master, watch stalled consumers, prepared transactions, failed puts, disks, replication)
  metaq tail --topic T --files GLOB [--files GLOB]... [--pattern REGEX] [--checkpoint FILE] [--from start|end] [--ordered] [--with-path]
             [--batch N] [--poll-ms MS] [--quiet-ms MS] [--partitions N] [--host ADDR] [--port N | --zk HOST:PORT[/chroot]]
             (ship growing log files to a topic; survives rotation and restarts, MetaQ's tail4j)
  metaq binlog --source mysql://USER@HOST:PORT/ --topic T [--tables DB.TABLE|DB.*]... [--checkpoint FILE] [--from start|end]
               [--server-id N] [--partitions N] [--host ADDR] [--port N | --zk HOST:PORT[/chroot]]
             (publish a MariaDB/MySQL row binlog, one message per row change, keyed by table and primary key)
  metaq binlog-apply --target mysql://USER@HOST/DB|postgres://USER@HOST/DB --topic T [--group G] [--offsets-table NAME] [--max-batch N]
               [--partitions N] [--host ADDR] [--port N | --zk HOST:PORT[/chroot]]
             (write those row changes into another database, exactly once per message)
    --admin defaults to http://127.0.0.1:8120, --token to $METAQ_ADMIN_TOKEN
  metaq lookup TOPIC (--key K [--limit N] | --id ID) [--partitions N] [--host ADDR] [--port N]   (messages by key, on topics with keyIndex=true, or by id)
  metaq trace ID [--admin URL]... [--json]   (a message's path on topics with trace=true: stored, replicated, delivered to which group)
  metaq dlq list --group G [--limit N] [--topic DLQ] [--partitions N] [--host ADDR] [--port N]   (a group's dead letters: origin, failures, last error)
  metaq dlq replay --group G (--id ID... | --all [--offsets FILE]) [--topic DLQ] [--partitions N] [--host ADDR] [--port N]
             (publish dead letters to the topic they failed in; --all remembers how far it got)
  metaq user    add NAME [--publish TOPIC]... [--subscribe TOPIC]... [--admin-rights] | remove NAME | list   (--users FILE | [--admin URL] [--token T])
             (users of a broker with [auth] enabled; the password from METAQ_PASSWORD or stdin; topics may hold *)
  metaq consume TOPIC [--partition N] [--offset X | --from TIME] [--limit N] [--follow] [--group G [--offsets FILE]] [--max-size B] [--host ADDR] [--port N]
`;

const common = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8123' },
} as const;

const adminOptions = {
  admin: { type: 'string', default: 'http://127.0.0.1:8120' },
  token: { type: 'string', default: process.env.METAQ_ADMIN_TOKEN ?? '' },
} as const;

const zkOptions = {
  zk: { type: 'string', default: '127.0.0.1:2181' },
  root: { type: 'string', default: '/meta' },
} as const;

function requireToken(token: string): string {
  if (token === '') throw new MetaqError('USAGE', 'the admin API needs a token: --token T or METAQ_ADMIN_TOKEN (the broker\'s [http] token, or the one it printed at start)');
  return token;
}

function adminClient(values: { admin: string; token: string }): AdminClient {
  return new AdminClient(values.admin, requireToken(values.token));
}

/** `--from`: a date and time (local unless it ends in Z or an offset); not together with --offset. */
function startTime(text: string | undefined, offset: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  if (offset !== undefined) throw new MetaqError('USAGE', `give --from or --offset, not both\n${USAGE}`);
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text) ? new Date(text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T')) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) throw new MetaqError('USAGE', `--from must be a date and time such as 2026-11-24T10:00 (local time) or 2026-11-24T10:00Z, got ${JSON.stringify(text)}\n${USAGE}`);
  return time;
}

function number(text: string | undefined, name: string): number {
  if (text === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new MetaqError('USAGE', `--${name} must be a non-negative number, got ${JSON.stringify(text)}\n${USAGE}`);
  return Number(text);
}

function int(text: string | undefined, name: string): number {
  if (text === undefined || !/^-?[0-9]+$/.test(text)) throw new MetaqError('USAGE', `--${name} must be an integer, got ${JSON.stringify(text)}\n${USAGE}`);
  return Number(text);
}

async function server(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, data: { type: 'string' }, port: { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, zk: { type: 'string' } } });
  const config = await loadBrokerConfig(values.config);
  if (values.data !== undefined) config.system.dataPath = values.data;
  if (values.port !== undefined) config.system.serverPort = int(values.port, 'port');
  if (values['http-port'] !== undefined) config.system.dashboardHttpPort = int(values['http-port'], 'http-port');
  if (values.host !== undefined) config.system.hostName = values.host;
  if (values.zk !== undefined) {
    config.zookeeper['zk.zkConnect'] = values.zk;
    config.zookeeper.configured = true;
  }
  const broker = await Broker.start({ config });
  process.stdout.write(`metaq broker listening on ${broker.url}, data in ${config.system.dataPath}\n`);
  const admin = config.http.enabled ? await AdminServer.start(broker).catch(async (error: unknown) => {
    await broker.stop();
    throw error;
  }) : undefined;
  if (admin !== undefined) {
    process.stdout.write(`console ${admin.consoleUrl}${admin.generatedToken ? '  (token generated for this run: set [http] token to keep one)' : ''}\nmetrics ${admin.url}/metrics\n`);
  }
  const shutdown = (signal: string): void => {
    broker.logger.info({ component: 'broker', signal }, 'signal received');
    Promise.resolve(admin?.close()).then(() => broker.stop()).then(
      () => process.exit(0),
      (error: unknown) => {
        broker.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function tailCommand(args: string[]): Promise<void> {
  const d = defaultTailOptions;
  const { values } = parseArgs({
    args,
    options: {
      ...common,
      zk: { type: 'string' },
      root: { type: 'string', default: '/meta' },
      topic: { type: 'string' },
      files: { type: 'string', multiple: true, default: [] },
      pattern: { type: 'string' },
      checkpoint: { type: 'string' },
      from: { type: 'string', default: d.from },
      ordered: { type: 'boolean', default: d.ordered },
      'with-path': { type: 'boolean', default: d.pathAttribute },
      batch: { type: 'string', default: String(d.batchRecords) },
      'poll-ms': { type: 'string', default: String(d.pollMs) },
      'quiet-ms': { type: 'string', default: String(d.quietMs) },
      partitions: { type: 'string' },
    },
  });
  const topic = values.topic;
  if (topic === undefined || values.files.length === 0) throw new MetaqError('USAGE', `tail needs --topic and at least one --files GLOB\n${USAGE}`);
  if (values.from !== 'start' && values.from !== 'end') throw new MetaqError('USAGE', `--from must be start or end, got ${JSON.stringify(values.from)}`);
  let startOfRecord: RegExp | undefined;
  try {
    startOfRecord = values.pattern === undefined ? undefined : new RegExp(values.pattern);
  } catch (error) {
    throw new MetaqError('USAGE', `--pattern is not a valid regular expression: ${(error as Error).message}`);
  }
  const client = values.zk !== undefined ? { zkConnect: values.zk, zkRoot: values.root } : { serverUrl: urlOf({ host: values.host, port: int(values.port, 'port') }), partitions: values.partitions === undefined ? undefined : { [topic]: int(values.partitions, 'partitions') } };
  await tail(
    client,
    {
      ...d,
      topic,
      files: values.files,
      startOfRecord,
      checkpointPath: values.checkpoint ?? defaultCheckpointPath(topic),
      from: values.from,
      ordered: values.ordered,
      pathAttribute: values['with-path'],
      batchRecords: int(values.batch, 'batch'),
      pollMs: int(values['poll-ms'], 'poll-ms'),
      quietMs: int(values['quiet-ms'], 'quiet-ms'),
    },
    stopSignal(),
    process.stderr,
  );
}

/** The options `keyedClient` reads. */
const keyedClientOptions = {
  ...common,
  zk: { type: 'string' },
  root: { type: 'string', default: '/meta' },
  partitions: { type: 'string', default: '1' },
} as const;

/** Direct mode with `--partitions` (default 1: one partition keeps every row in order), or cluster mode with `--zk`. */
function keyedClient(values: { zk?: string; root: string; host: string; port: string; partitions: string }, topic: string) {
  return values.zk !== undefined ? { zkConnect: values.zk, zkRoot: values.root } : { serverUrl: urlOf({ host: values.host, port: int(values.port, 'port') }), partitions: { [topic]: int(values.partitions, 'partitions') } };
}

function stopSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}

async function binlogCommand(args: string[]): Promise<void> {
  const d = defaultBinlogOptions;
  const { values } = parseArgs({
    args,
    options: {
      ...keyedClientOptions,
      source: { type: 'string' },
      topic: { type: 'string' },
      tables: { type: 'string', multiple: true, default: [] },
      checkpoint: { type: 'string' },
      from: { type: 'string', default: d.from },
      'server-id': { type: 'string' },
      'checkpoint-ms': { type: 'string', default: String(d.checkpointMs) },
      'max-in-flight': { type: 'string', default: String(d.maxInFlight) },
    },
  });
  const { topic, source } = values;
  if (topic === undefined || source === undefined) throw new MetaqError('USAGE', `binlog needs --source and --topic\n${USAGE}`);
  if (values.from !== 'start' && values.from !== 'end') throw new MetaqError('USAGE', `--from must be start or end, got ${JSON.stringify(values.from)}`);
  const checkpoint = values.checkpoint ?? defaultBinlogCheckpoint(topic);
  const options = {
    topic,
    from: values.from === 'start' ? ('start' as const) : ('end' as const),
    tables: parseTables(values.tables.flatMap((list) => list.split(',')).filter((name) => name !== '')),
    serverId: values['server-id'] === undefined ? defaultServerId(checkpoint) : int(values['server-id'], 'server-id'),
    checkpointMs: int(values['checkpoint-ms'], 'checkpoint-ms'),
    maxInFlight: int(values['max-in-flight'], 'max-in-flight'),
  };
  await binlog(keyedClient(values, topic), source, checkpoint, options, stopSignal(), process.stderr);
}

async function binlogApplyCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...keyedClientOptions,
      target: { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string', default: 'binlog-apply' },
      'offsets-table': { type: 'string', default: 'meta_topic_partition_group_offset' },
      'max-batch': { type: 'string', default: '500' },
    },
  });
  const { topic, target } = values;
  if (topic === undefined || target === undefined) throw new MetaqError('USAGE', `binlog-apply needs --target and --topic\n${USAGE}`);
  const maxBatch = int(values['max-batch'], 'max-batch');
  if (maxBatch < 1) throw new MetaqError('USAGE', `--max-batch must be at least 1, got ${maxBatch}`);
  await binlogApply(keyedClient(values, topic), target, { topic, group: values.group, offsetsTable: values['offsets-table'], maxBatch }, stopSignal(), process.stderr);
}

async function monitor(args: string[]): Promise<number> {
  const t = defaultThresholds;
  const { values } = parseArgs({
    args,
    options: {
      admin: { type: 'string', multiple: true, default: ['http://127.0.0.1:8120'] },
      token: adminOptions.token,
      rounds: { type: 'string' },
      'interval-ms': { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
      topic: { type: 'string', default: 'meta-monitor-topic' },
      group: { type: 'string', default: 'meta-monitor-receive' },
      'send-timeout-ms': { type: 'string', default: '3000' },
      'receive-timeout-ms': { type: 'string', default: '3000' },
      'put-failed': { type: 'string', default: String(t.putFailed) },
      'stall-ms': { type: 'string', default: String(t.stallMs) },
      prepared: { type: 'string', default: String(t.prepared) },
      'prepared-age-ms': { type: 'string', default: String(t.preparedAgeMs) },
      connections: { type: 'string', default: String(t.connections) },
      'connections-per-address': { type: 'string', default: String(t.connectionsPerAddress) },
      'disk-used-percent': { type: 'string', default: String(t.diskUsed * 100) },
      'load-per-cpu': { type: 'string', default: String(t.loadPerCpu) },
      'replication-lag-bytes': { type: 'string', default: String(t.replicationLagBytes) },
      'ignore-group': { type: 'string', multiple: true, default: [] },
    },
  });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const fired = await runMonitor(
    {
      brokers: values.admin.flatMap((list) => list.split(',')).filter((url) => url !== ''),
      token: requireToken(values.token),
      rounds: values.rounds === undefined ? undefined : int(values.rounds, 'rounds'),
      intervalMs: int(values['interval-ms'], 'interval-ms'),
      json: values.json,
      probe: { topic: values.topic, group: values.group, sendTimeoutMs: int(values['send-timeout-ms'], 'send-timeout-ms'), receiveTimeoutMs: int(values['receive-timeout-ms'], 'receive-timeout-ms') },
      thresholds: {
        putFailed: int(values['put-failed'], 'put-failed'),
        stallMs: int(values['stall-ms'], 'stall-ms'),
        prepared: int(values.prepared, 'prepared'),
        preparedAgeMs: int(values['prepared-age-ms'], 'prepared-age-ms'),
        connections: int(values.connections, 'connections'),
        connectionsPerAddress: int(values['connections-per-address'], 'connections-per-address'),
        diskUsed: number(values['disk-used-percent'], 'disk-used-percent') / 100,
        loadPerCpu: number(values['load-per-cpu'], 'load-per-cpu'),
        replicationLagBytes: int(values['replication-lag-bytes'], 'replication-lag-bytes'),
      },
      ignoredGroups: [values.group, 'metaq-get', 'Just_for_Browser', ...values['ignore-group']],
      signal: controller.signal,
    },
    process.stdout,
    process.stderr,
  );
  return fired === 0 ? 0 : 2;
}

async function lookupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...common, key: { type: 'string' }, id: { type: 'string' }, limit: { type: 'string' }, partitions: { type: 'string' } }, allowPositionals: true });
  const topic = positionals[0];
  if (topic === undefined || (values.key === undefined) === (values.id === undefined)) throw new MetaqError('USAGE', `lookup needs a TOPIC and either --key K or --id ID\n${USAGE}`);
  if (values.id !== undefined && !/^\d+$/.test(values.id)) throw new MetaqError('USAGE', `--id ${values.id} is not a message id (a number, as send results and metaq consume print it)`);
  const found = await lookup(
    {
      serverUrl: urlOf({ host: values.host, port: int(values.port, 'port') }),
      topic,
      partitions: values.partitions === undefined ? undefined : int(values.partitions, 'partitions'),
      key: values.key,
      id: values.id === undefined ? undefined : BigInt(values.id),
      limit: values.limit === undefined ? undefined : int(values.limit, 'limit'),
    },
    process.stdout,
  );
  if (found > 0) return 0;
  process.stderr.write(`no message in ${topic} with ${values.key === undefined ? `id ${values.id}` : `key ${JSON.stringify(values.key)} (is keyIndex=true set for the topic?)`}\n`);
  return 1;
}

async function dlqCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...common, group: { type: 'string' }, topic: { type: 'string' }, partitions: { type: 'string' }, limit: { type: 'string' }, id: { type: 'string', multiple: true }, all: { type: 'boolean', default: false }, offsets: { type: 'string' } },
    allowPositionals: true,
  });
  const action = positionals[0];
  if ((action !== 'list' && action !== 'replay') || values.group === undefined) throw new MetaqError('USAGE', `dlq needs list or replay, and --group G\n${USAGE}`);
  const target = { serverUrl: urlOf({ host: values.host, port: int(values.port, 'port') }), group: values.group, topic: values.topic, partitions: values.partitions === undefined ? undefined : int(values.partitions, 'partitions') };
  if (action === 'list') {
    await listDeadLetters(target, values.limit === undefined ? undefined : int(values.limit, 'limit'), process.stdout);
    return 0;
  }
  if ((values.id === undefined) === !values.all) throw new MetaqError('USAGE', `dlq replay needs either --id ID (repeatable) or --all\n${USAGE}`);
  const ids = values.id?.flatMap((list) => list.split(',')).map((id) => {
    if (!/^-?\d+$/.test(id)) throw new MetaqError('USAGE', `--id ${id} is not a message id (a number, as metaq dlq list prints it)`);
    return BigInt(id);
  });
  const replayed = await replayDeadLetters({ ...target, ids, offsetsFile: values.offsets }, process.stdout);
  process.stderr.write(`${replayed} dead letters replayed\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  await loadConnectionEnv();
  switch (command) {
    case 'server':
      await server(args);
      return -1; // keep running
    case 'cluster': {
      const { values } = parseArgs({ args, options: { zk: { type: 'string', default: '127.0.0.1:2181' }, root: { type: 'string', default: '/meta' } } });
      await printCluster(values.zk, values.root, process.stdout);
      return 0;
    }
    case 'stats': {
      const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true });
      await printStats({ host: values.host, port: int(values.port, 'port') }, positionals[0], process.stdout);
      return 0;
    }
    case 'promote': {
      const { values } = parseArgs({ args, options: { zk: { type: 'string', default: '127.0.0.1:2181' }, root: { type: 'string', default: '/meta' }, 'broker-id': { type: 'string' }, force: { type: 'boolean', default: false } } });
      await promote(values.zk, values.root, int(values['broker-id'], 'broker-id'), values.force, process.stdout);
      return 0;
    }
    case 'slave': {
      const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true });
      await slave({ host: values.host, port: int(values.port, 'port') }, positionals[0] ?? '', process.stdout);
      return 0;
    }
    case 'tx': {
      const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true });
      await transactions({ host: values.host, port: int(values.port, 'port') }, positionals[0] ?? '', positionals[1], process.stdout);
      return 0;
    }
    case 'produce': {
      const { values, positionals } = parseArgs({ args, options: { ...common, message: { type: 'string', multiple: true } }, allowPositionals: true });
      const topic = positionals[0];
      if (topic === undefined) throw new MetaqError('USAGE', `produce needs a TOPIC\n${USAGE}`);
      const failures = await produce({ host: values.host, port: int(values.port, 'port') }, topic, values.message ?? stdinLines(), process.stdout, process.stderr);
      return failures === 0 ? 0 : 2;
    }
    case 'consume': {
      const { values, positionals } = parseArgs({
        args,
        options: { ...common, partition: { type: 'string', default: '0' }, offset: { type: 'string' }, from: { type: 'string' }, limit: { type: 'string' }, follow: { type: 'boolean', default: false }, group: { type: 'string' }, offsets: { type: 'string' }, 'max-size': { type: 'string', default: '1048576' } },
        allowPositionals: true,
      });
      const topic = positionals[0];
      if (topic === undefined) throw new MetaqError('USAGE', `consume needs a TOPIC\n${USAGE}`);
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      await consume(
        { host: values.host, port: int(values.port, 'port') },
        { topic, partition: int(values.partition, 'partition'), offset: int(values.offset ?? '0', 'offset'), from: startTime(values.from, values.offset), group: values.group, offsetsFile: values.offsets, maxSize: int(values['max-size'], 'max-size'), limit: values.limit === undefined ? undefined : int(values.limit, 'limit'), follow: values.follow, signal: controller.signal },
        process.stdout,
      );
      return 0;
    }
    case 'reload':
    case 'open-partitions':
    case 'close-partitions': {
      const { values, positionals } = parseArgs({ args, options: { ...adminOptions, start: { type: 'string' }, end: { type: 'string' } }, allowPositionals: true });
      const admin = adminClient(values);
      if (command === 'reload') await reload(admin, process.stdout);
      else {
        const topic = positionals[0];
        if (topic === undefined) throw new MetaqError('USAGE', `${command} needs a TOPIC\n${USAGE}`);
        if (command === 'open-partitions') await openPartitions(admin, topic, process.stdout);
        else await closePartitions(admin, topic, int(values.start, 'start'), int(values.end, 'end'), process.stdout);
      }
      return 0;
    }
    case 'move-partitions':
    case 'delete-partitions': {
      const { values } = parseArgs({ args, options: { data: { type: 'string' }, topic: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, offset: { type: 'string' }, force: { type: 'boolean', default: false } } });
      if (values.data === undefined || values.topic === undefined) throw new MetaqError('USAGE', `${command} needs --data DIR and --topic T\n${USAGE}`);
      if (command === 'move-partitions') await movePartitionDirs(values.data, values.topic, int(values.start, 'start'), int(values.end, 'end'), int(values.offset, 'offset'), process.stdout);
      else await deletePartitionDirs(values.data, values.topic, int(values.start, 'start'), int(values.end, 'end'), values.force, process.stdout);
      return 0;
    }
    case 'copy-offsets': {
      const { values } = parseArgs({ args, options: { ...zkOptions, topic: { type: 'string' }, source: { type: 'string' }, target: { type: 'string' }, start: { type: 'string' }, end: { type: 'string' }, 'target-start': { type: 'string' } } });
      if (values.topic === undefined) throw new MetaqError('USAGE', `copy-offsets needs --topic\n${USAGE}`);
      const spec = { topic: values.topic, source: int(values.source, 'source'), target: int(values.target, 'target'), start: int(values.start, 'start'), end: int(values.end, 'end'), targetStart: values['target-start'] === undefined ? undefined : int(values['target-start'], 'target-start') };
      await copyGroupOffsets(values.zk, values.root, spec, process.stdout);
      return 0;
    }
    case 'offsets': {
      const { values } = parseArgs({ args, options: { ...zkOptions, group: { type: 'string', default: '' }, topic: { type: 'string', default: '' }, db: { type: 'string' }, table: { type: 'string', default: 'meta_topic_partition_group_offset' } } });
      if (values.group === '' || values.topic === '') throw new MetaqError('USAGE', `offsets needs --group and --topic\n${USAGE}`);
      if (values.db !== undefined) await showSqlOffsets(values.db, values.table, values.group, values.topic, process.stdout);
      else await showOffsets(values.zk, values.root, values.group, values.topic, process.stdout);
      return 0;
    }
    case 'monitor':
      return monitor(args);
    case 'lag': {
      const { values } = parseArgs({ args, options: { admin: { type: 'string', multiple: true, default: ['http://127.0.0.1:8120'] }, token: adminOptions.token, group: { type: 'string' }, topic: { type: 'string' }, json: { type: 'boolean', default: false } } });
      const brokers = values.admin.flatMap((list) => list.split(',')).filter((url) => url !== '');
      await lag({ brokers, token: requireToken(values.token), group: values.group, topic: values.topic, json: values.json }, process.stdout);
      return 0;
    }
    case 'trace': {
      const { values, positionals } = parseArgs({ args, options: { admin: { type: 'string', multiple: true, default: ['http://127.0.0.1:8120'] }, token: adminOptions.token, json: { type: 'boolean', default: false } }, allowPositionals: true });
      const id = positionals[0];
      if (id === undefined || !/^\d{1,20}$/.test(id)) throw new MetaqError('USAGE', `trace needs a message ID (a number, as send results and metaq consume print it)\n${USAGE}`);
      const brokers = values.admin.flatMap((list) => list.split(',')).filter((url) => url !== '');
      const rows = await trace({ brokers, token: requireToken(values.token), id, json: values.json }, process.stdout);
      if (rows.length > 0) return 0;
      process.stderr.write(`no trace of message ${id} on ${brokers.join(', ')}: is its topic configured with trace=true?\n`);
      return 1;
    }
    case 'dlq':
      return dlqCommand(args);
    case 'user': {
      const { values, positionals } = parseArgs({
        args,
        options: { ...adminOptions, users: { type: 'string' }, publish: { type: 'string', multiple: true, default: [] }, subscribe: { type: 'string', multiple: true, default: [] }, 'admin-rights': { type: 'boolean', default: false } },
        allowPositionals: true,
      });
      const [action = '', name] = positionals;
      const store = values.users !== undefined ? { file: values.users } : { admin: adminClient(values) };
      await userCommand({ action, name, rights: { publish: values.publish, subscribe: values.subscribe, admin: values['admin-rights'] }, store }, process.stdout);
      return 0;
    }
    case 'lookup':
      return lookupCommand(args);
    case 'tail':
      await tailCommand(args);
      return 0;
    case 'binlog':
      await binlogCommand(args);
      return 0;
    case 'binlog-apply':
      await binlogApplyCommand(args);
      return 0;
    default:
      process.stderr.write(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`metaq: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof MetaqError && error.code === 'USAGE' ? 64 : 1;
  },
);
