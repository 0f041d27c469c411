import type { BrokerProcess } from './broker-process.js';
import { startBrokerProcess, tempDir, writeConfig } from './broker-process.js';
import type { AckedWrite, ReadRecord, Verdict } from './history-checker.js';
import { checkHistory, summarize } from './history-checker.js';
import type { PutHistory } from './pipelined-puts.js';
import { runPipelinedPuts } from './pipelined-puts.js';
import type { Footprint } from './process-footprint.js';
import { processFootprint } from './process-footprint.js';
import { scanPartition, WireSession } from './wire-client.js';

const PRODUCERS = 3;
const PARTITIONS = 4;
/** A SIGTERM shutdown that takes longer than this is a hang (Redpanda's kill-loop rule). */
const STOP_BOUND_MS = 15_000;

export interface Cycle {
  signal: NodeJS.Signals;
  acked: number;
  footprint: Footprint;
  exitCode: number | null;
  stopMs: number;
}

export interface KillLoopResult {
  verdict: Verdict;
  cycles: Cycle[];
  /** Each cycle's acked writes, in the order acked. */
  runs: AckedWrite[][];
  /** The final scan of every partition. */
  reads: ReadRecord[];
}

/** Resolve with the exit code, or reject if the broker is still running after `ms`. */
function exitWithin(broker: BrokerProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the broker did not stop within ${ms} ms of SIGTERM`)), ms)));
  return Promise.race([broker.exited, hang]).finally(() => clearTimeout(timer));
}

/**
 * K2: cycles of load against one data directory, each ended by SIGKILL or SIGTERM at a random
 * moment; the union history of every cycle is checked against one final scan.
 */
export async function killLoop(options: {
  cycles: number;
  signals: NodeJS.Signals[];
  volatile: boolean;
  system: Record<string, string | number>;
}): Promise<KillLoopResult> {
  const dir = tempDir('k2');
  // Small segments so the loop also crosses rolls, and recovery runs over several files.
  const config = writeConfig(dir, { dataPath: `${dir}/data`, numPartitions: PARTITIONS, maxSegmentSize: 256 * 1024, ...options.system });
  const history: PutHistory = { acked: [], attempted: new Set() };
  const nextSeq: number[] = [];
  const cycles: Cycle[] = [];
  for (let cycle = 0; cycle < options.cycles; cycle += 1) {
    const broker = await startBrokerProcess(config, { volatile: options.volatile });
    const signal = options.signals[Math.floor(Math.random() * options.signals.length)] ?? 'SIGKILL';
    const ackedBefore = history.acked.length;
    const killAt = ackedBefore + 200 + Math.floor(Math.random() * 1500);
    let footprint: Footprint | undefined;
    let stopping: Promise<number | null> | undefined;
    let signalledAt = 0;
    const stop = (): Promise<number | null> => {
      footprint ??= processFootprint(broker.child.pid ?? 0);
      signalledAt = performance.now();
      broker.child.kill(signal);
      return (stopping = signal === 'SIGTERM' ? exitWithin(broker, STOP_BOUND_MS) : broker.exited);
    };
    const onAck = ({ acked }: PutHistory): void => {
      if (acked.length >= killAt && stopping === undefined) void stop();
    };
    // The producers keep sending while a SIGTERM shutdown runs: they stop when their connection dies.
    await runPipelinedPuts(
      {
        port: broker.port,
        topic: 'k2',
        producers: PRODUCERS,
        partitions: PARTITIONS,
        window: 32,
        perProducer: 10_000,
        nextSeq,
        stopped: () => stopping !== undefined && signal === 'SIGKILL',
        onAck,
      },
      history,
    );
    const exitCode = await (stopping ?? stop());
    cycles.push({
      signal,
      acked: history.acked.length - ackedBefore,
      footprint: footprint ?? { rssMb: 0, fds: 0, otherFds: 0 },
      exitCode,
      stopMs: performance.now() - signalledAt,
    });
  }
  const broker = await startBrokerProcess(config, { volatile: options.volatile });
  const session = await WireSession.open('127.0.0.1', broker.port);
  const reads: ReadRecord[] = [];
  for (let p = 0; p < PARTITIONS; p += 1) reads.push(...(await scanPartition(session, 'k2', p)));
  await session.close();
  await broker.kill('SIGTERM');
  const verdict = checkHistory(history.acked, reads, { attempted: history.attempted });
  // Each cycle's acked writes, in the order acked (the history is appended cycle after cycle).
  let from = 0;
  const runs = cycles.map((c) => history.acked.slice(from, (from += c.acked)));
  console.log(
    `# K2${options.volatile ? ' volatile disk' : ''} ${JSON.stringify(options.system)} ${options.cycles} cycles (${cycles.filter((c) => c.signal === 'SIGTERM').length} SIGTERM), ${history.acked.length} acked, ${reads.length} read back; ${summarize(verdict)}`,
  );
  console.log(
    `# K2 SIGTERM to exit, ms: ${cycles
      .filter((c) => c.signal === 'SIGTERM')
      .map((c) => c.stopMs.toFixed(0))
      .join(' ')}`,
  );
  console.log(
    `# K2 broker before each kill: RSS MB ${cycles.map((c) => c.footprint.rssMb.toFixed(0)).join(' ')}; fds ${cycles.map((c) => `${c.footprint.fds}(${c.footprint.otherFds})`).join(' ')} (not segment files in brackets)`,
  );
  return { verdict, cycles, runs, reads };
}
