import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { MetaqError } from '../../common/errors.js';
import { registerBinlog, registerBinlogApply } from './binlog.js';
import { registerDlq } from './dlq.js';
import { registerCluster, registerStats } from './inspect.js';
import { registerLag } from './lag.js';
import { registerLookup } from './lookup.js';
import { registerConsume, registerProduce } from './messages.js';
import { registerMonitor } from './monitor.js';
import { registerProfile } from './profile.js';
import { registerCopyOffsets, registerOffsets } from './offsets.js';
import { registerDeletePartitions, registerMovePartitions } from './partition-dirs.js';
import { registerReassign } from './reassign.js';
import { registerPromote, registerSlave } from './replication.js';
import { registerServer } from './server.js';
import { registerTail } from './tail.js';
import { registerClosePartitions, registerOpenPartitions, registerReload } from './topic-admin.js';
import { registerTopic } from './topic.js';
import { registerTrace } from './trace.js';
import { registerTransactions } from './transactions.js';
import { registerUser } from './user.js';
import { checkRequiredOptions } from './required-options.js';

/** The exit code of every usage error: unknown command or option, missing or bad value (sysexits.h EX_USAGE). */
export const EX_USAGE = 64;

/** The exit code when what a command names does not exist: topic, partition, offset, user, dead letter (sysexits.h EX_NOINPUT). */
export const EX_NOINPUT = 66;

/** Compiled to dist/src/cli/program/, four levels below package.json. */
const { version } = createRequire(import.meta.url)('../../../../package.json') as { version: string };

/** The commands in the order `metaq --help` lists them. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerServer,
  registerStats,
  registerCluster,
  registerProduce,
  registerConsume,
  registerTransactions,
  registerPromote,
  registerSlave,
  registerTopic,
  registerReload,
  registerClosePartitions,
  registerOpenPartitions,
  registerMovePartitions,
  registerDeletePartitions,
  registerCopyOffsets,
  registerReassign,
  registerOffsets,
  registerLag,
  registerMonitor,
  registerLookup,
  registerTrace,
  registerDlq,
  registerUser,
  registerTail,
  registerBinlog,
  registerBinlogApply,
  registerProfile,
];

const ENVIRONMENT = `
Environment:
  METAQ_SERVER                   the broker (meta://host:port or host:port) when --server, --host, --port are not given
  METAQ_ZK                       ZooKeeper for cluster, offsets, copy-offsets and promote when --zk is not given
  METAQ_ADMIN                    the admin API's base URL when --admin is not given
  METAQ_TOKEN                    the admin API's token when --token is not given (METAQ_ADMIN_TOKEN is read too)
  METAQ_PROFILE                  the saved profile when --profile is not given (metaq profile; options and the above win over it)
  METAQ_CONFIG                   the profile file (default $XDG_CONFIG_HOME/metaq/profiles.json or ~/.config/metaq/profiles.json)
  METAQ_USER, METAQ_PASSWORD     log in to brokers with [auth] enabled=true
  METAQ_TLS=1, METAQ_TLS_CA      TLS to the brokers, trusting the CA bundle named
  METAQ_TLS_CERT, METAQ_TLS_KEY  a client certificate for brokers with clientAuth=true
  NODE_EXTRA_CA_CERTS            a private CA for the admin API over HTTPS`;

/** Commander's "error: unknown command 'x'\n(Did you mean y?)" as one line: "unknown command 'x' (did you mean y?)". */
export function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\s*\(Did you mean (.*)\?\)\s*$/, ' (did you mean $1?)')
    .trim();
}

/** Where to read what the command takes: `metaq stats --help`, or `metaq --help` for the command list. */
export function helpHint(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return `Run '${names.join(' ')} --help' for ${command.parent === null ? 'the commands' : 'its usage'}.`;
}

/** A usage error commander found: it printed the line; the hint follows and the caller exits 64. */
function isUsageError(error: CommanderError): boolean {
  return error.exitCode !== 0 && error.code !== 'commander.help';
}

/** `metaq`: every command, its options and help, generated from the same declarations that parse. */
export function createProgram(): Command {
  const program = new Command('metaq')
    .description('A MetaQ-compatible message broker, and the tools to run it')
    .version(version, '-V, --version', "print metaq's version")
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', "print a command's help")
    .configureOutput({ outputError: (text, write) => write(`metaq: ${oneLine(text)}\n`) })
    .addHelpText('after', ENVIRONMENT)
    .hook('preAction', async (_program, command) => {
      // The profile first: it may fill an option the required check would miss.
      const { applyProfile } = await import('../profile/apply-profile.js');
      await applyProfile(command);
      checkRequiredOptions(command);
    });
  for (const register of COMMANDS) register(program);
  // Commander would call process.exit; throwing instead lets main pick the exit code.
  const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];
  for (const command of everyCommand(program)) {
    command.exitOverride((error) => {
      if (isUsageError(error)) process.stderr.write(`${helpHint(command)}\n`);
      throw error;
    });
  }
  return program;
}

/**
 * The exit code for an error out of parsing or an action: 0 after help or the version, 64 for a
 * usage error (commander's or an action's MetaqError USAGE), 66 for NOT_FOUND, 1 for anything else. Prints the
 * action's errors; commander printed its own.
 */
export function exitCodeOf(error: unknown, argv: readonly string[], running: Command): number {
  if (error instanceof CommanderError) {
    // `metaq` alone prints the command list, as `metaq --help` does.
    if (error.exitCode === 0 || (error.code === 'commander.help' && argv.length === 0)) return 0;
    return EX_USAGE;
  }
  process.stderr.write(`metaq: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof MetaqError && error.code === 'NOT_FOUND') return EX_NOINPUT;
  if (!(error instanceof MetaqError && error.code === 'USAGE')) return 1;
  process.stderr.write(`${helpHint(running)}\n`);
  return EX_USAGE;
}
