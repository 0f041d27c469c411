import { Option } from 'commander';
import type { Command } from 'commander';
import { listenPort } from './option-values.js';
import { zkOption } from './shared-options.js';
import { stopOnSignals } from './stop-on-signals.js';

/** Each option overrides its server.ini key; without one the file (or its default) decides. */
interface ServerOptions {
  config?: string;
  data?: string;
  port?: number;
  httpPort?: number;
  host?: string;
  zk?: string;
}

/** What the banner says about the console's token, by where it came from (src/admin/admin-token.ts). */
const TOKEN_NOTES = {
  configured: '',
  file: '',
  cluster: "  (the cluster's token, kept in ZooKeeper: metaq lag/monitor/trace --zk read it there)",
  generated: '  (token generated for this run: set [http] token to keep one)',
} as const;

/** `metaq server`: run a broker, and its HTTP side when [http] enables it, until SIGTERM or SIGINT. */
export function registerServer(program: Command): void {
  program
    .command('server')
    .summary('run a broker')
    .description('Run a broker, and its admin API and console when [http] enables them, until SIGTERM or SIGINT. Options override server.ini.')
    .addOption(
      new Option('--config <FILE>', 'server.ini to read (default: DIR.metaq/server.ini if topic administration saved one there, else the built-in defaults)'),
    )
    .addOption(new Option('--data <DIR>', 'data directory ([system] dataPath)'))
    .addOption(new Option('--port <N>', 'broker port ([system] serverPort; 0 picks a free one)').argParser(listenPort))
    .addOption(new Option('--http-port <N>', 'admin API and console port ([system] dashboardHttpPort)').argParser(listenPort))
    .addOption(
      new Option('--host <ADDR>', 'address the broker listens on and registers ([system] hostName; default 127.0.0.1, with --zk one other hosts reach)'),
    )
    .addOption(zkOption('ZooKeeper connect string: join that cluster ([zookeeper] zk.zkConnect)'))
    .action(server);
}

async function server(options: ServerOptions): Promise<void> {
  // Loaded here, not at the top: the broker and its HTTP side (fastify) take most of a second
  // to load, which every other command and every --help would pay.
  const [{ AdminServer }, { Broker }, { loadBrokerConfig, loadSavedOrDefaultConfig }] = await Promise.all([
    import('../../admin/admin-server.js'),
    import('../../broker/broker.js'),
    import('../../broker/config/load-config.js'),
  ]);
  const config = options.config === undefined ? await loadSavedOrDefaultConfig(options.data) : await loadBrokerConfig(options.config);
  if (options.data !== undefined) config.system.dataPath = options.data;
  if (options.port !== undefined) config.system.serverPort = options.port;
  if (options.httpPort !== undefined) config.system.dashboardHttpPort = options.httpPort;
  if (options.host !== undefined) config.system.hostName = options.host;
  if (options.zk !== undefined) {
    config.zookeeper['zk.zkConnect'] = options.zk;
    config.zookeeper.configured = true;
  }
  const broker = await Broker.start({ config });
  const admin = config.http.enabled
    ? await AdminServer.start(broker).catch(async (error: unknown) => {
        await broker.stop();
        throw error;
      })
    : undefined;
  // Before the banners: a supervisor (or test) that signals as soon as it reads them must get a clean stop.
  stopOnSignals(broker, admin, config.system.shutdownTimeoutMs);
  // Announced only now that every port is up: a taken HTTP port ends the process before this.
  broker.logger.info({ component: 'broker', url: broker.url, http: admin?.url, dataPath: config.system.dataPath }, 'broker started');
  // Banners for the person at the terminal go to stderr: stdout carries only the JSON log.
  process.stderr.write(`metaq broker listening on ${broker.url}, data in ${config.system.dataPath}\n`);
  if (options.config === undefined && config.file !== undefined)
    process.stderr.write(`config ${config.file} (the built-in defaults with the topic changes made through \`metaq topic\`)\n`);
  if (admin !== undefined) {
    process.stderr.write(`console ${admin.consoleUrl}${TOKEN_NOTES[admin.tokenSource]}\nmetrics ${admin.url}/metrics\n`);
  }
}
