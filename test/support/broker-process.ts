import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** The `metaq` command as installed (it sizes libuv's thread pool, then runs dist/src/cli/main.js). */
export const CLI = join(root, 'bin/metaq.cjs');
const VOLATILE_CHILD = join(root, 'dist/test/support/volatile-broker.js');

/** How to start a command: as is, or inside a network namespace (`NetnsLab.spawnArgs`). */
export type SpawnVia = (command: string, args: string[]) => [string, string[]];
const direct: SpawnVia = (command, args) => [command, args];

/** A broker running as its own process, started the way users start it. */
export interface BrokerProcess {
  child: ChildProcess;
  port: number;
  /** Every JSON log line the broker printed. */
  logs: Array<Record<string, unknown>>;
  /** Every other line it printed on stderr (console and metrics addresses, warnings). */
  output: string[];
  exited: Promise<number | null>;
  /** The HTTP side's base URL (`http://` or `https://host:port`), once the broker printed it. */
  httpUrl: Promise<string>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Every broker child still running, so a failing test never leaves one behind. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kill every broker child this test file started (use in an `after` hook). */
export async function killAllBrokers(): Promise<void> {
  await Promise.all(
    [...running].map((child) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `metaq-${prefix}-`));
}

/** Write a server.ini for a test: system keys, one section per topic, ZooKeeper keys for cluster mode, replication keys. */
export function writeConfig(
  dir: string,
  system: Record<string, string | number | boolean>,
  topics: Record<string, Record<string, string | number>> = { '*': {} },
  zookeeper?: Record<string, string | number>,
  replication?: Record<string, string | number | boolean>,
): string {
  const lines = ['[system]', ...Object.entries(system).map(([k, v]) => `${k}=${v}`)];
  if (zookeeper) lines.push('[zookeeper]', ...Object.entries(zookeeper).map(([k, v]) => `${k}=${v}`));
  if (replication) lines.push('[replication]', ...Object.entries(replication).map(([k, v]) => `${k}=${v}`));
  for (const [name, keys] of Object.entries(topics)) lines.push(`[topic=${name}]`, ...Object.entries(keys).map(([k, v]) => `${k}=${v}`));
  const path = join(dir, 'server.ini');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * Start `metaq server` (or, with `volatile`, the same Broker over a FileIO that keeps unsynced
 * writes in memory so kill -9 acts like a power cut) and wait for its listening line (on stderr).
 */
/** `port` restarts a broker where its clients expect it (default: any free port); `env` adds environment variables (test faults). */
export function startBrokerProcess(
  configPath: string,
  options: { volatile?: boolean; spawnVia?: SpawnVia; port?: number; env?: Record<string, string> } = {},
): Promise<BrokerProcess> {
  const args = options.volatile
    ? [VOLATILE_CHILD, configPath, String(options.port ?? 0)]
    : [CLI, 'server', '--config', configPath, '--port', String(options.port ?? 0), '--http-port', '0'];
  const [command, commandArgs] = (options.spawnVia ?? direct)(process.execPath, args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, METAQ_LOG_LEVEL: 'info', ...options.env } });
  const logs: Array<Record<string, unknown>> = [];
  const output: string[] = [];
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let printedHttpUrl: (url: string) => void = () => undefined;
  const httpUrl = new Promise<string>((resolve) => (printedHttpUrl = resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // stdout is the JSON log only; the banners (listening, console, metrics) come on stderr. The two
  // pipes are read in no set order, so the start resolves once both the banner and the log line
  // the broker writes before it arrived: every log line from the start is then in `logs`.
  let port: number | undefined;
  let logged = false;
  let ready: () => void = () => undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const log = JSON.parse(line) as Record<string, unknown>;
      logs.push(log);
      if (log.msg === 'broker accepting clients') {
        logged = true;
        ready();
      }
    } catch {
      output.push(line); // not a log line: kept where a test can see it
    }
  });
  return new Promise((resolve, reject) => {
    ready = () => {
      if (port === undefined || !logged) return;
      resolve({
        child,
        port,
        logs,
        output,
        exited,
        httpUrl,
        kill: (signal) => {
          child.kill(signal);
          return exited;
        },
      });
    };
    createInterface({ input: child.stderr }).on('line', (line) => {
      const metrics = /^metrics (\S+)\/metrics$/.exec(line);
      if (metrics) printedHttpUrl(metrics[1]!);
      const listening = /listening on meta:\/\/[^:]+:(\d+)/.exec(line);
      if (!listening) {
        output.push(line);
        return;
      }
      port = Number(listening[1]);
      ready();
    });
    void exited.then((code) => reject(new Error(`broker exited with ${code} before listening: ${stderr}`)));
  });
}
