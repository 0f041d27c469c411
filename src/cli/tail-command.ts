import pino from 'pino';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { TailAgent } from '../integrations/tail/tail-agent.js';
import type { TailOptions, TailProgress } from '../integrations/tail/tail-agent.js';
import { keySelector, MetaqClient } from '../client/index.js';
import type { ClientOptions } from '../client/index.js';
import { NodeFileIO } from '../broker/index.js';

/** How often `metaq tail` logs its progress when not on a terminal. */
const PROGRESS_LOG_MS = 30_000;

/** Where the checkpoint goes when `--checkpoint` is not given. */
export function defaultCheckpointPath(topic: string): string {
  return join(homedir(), '.metaq-tail', `${topic}.checkpoint.json`);
}

/**
 * `metaq tail`: ship log files to a topic until SIGINT or SIGTERM. One file's records go to one
 * partition (keyed by its path), in order. Progress goes to `progress` on a terminal, else to the log.
 */
export async function tail(client: ClientOptions, options: TailOptions, signal: AbortSignal, progress: NodeJS.WriteStream | undefined): Promise<void> {
  const io = new NodeFileIO();
  await io.mkdirp(dirname(options.checkpointPath));
  const metaq = new MetaqClient(client);
  const logger = pino({ level: process.env.METAQ_LOG_LEVEL ?? 'info' }, pino.destination(2));
  try {
    const agent = await TailAgent.open(io, metaq.producer({ selector: keySelector() }), options, logger);
    // Under a supervisor (no terminal) the log says what it does: a start line, progress every
    // PROGRESS_LOG_MS and a last line at stop; on a terminal one line is rewritten instead.
    logger.info({ topic: options.topic, files: options.files, checkpoint: options.checkpointPath }, 'tail: shipping');
    let lastReport = performance.now();
    let latest: TailProgress = { files: 0, shippedRecords: 0, shippedBytes: 0 };
    await agent.run(signal, (p) => {
      latest = p;
      const now = performance.now();
      if (progress?.isTTY === true) {
        if (now - lastReport < 500) return;
        lastReport = now;
        progress.write(`\r${p.files} files, ${p.shippedRecords} records (${(p.shippedBytes / 1e6).toFixed(1)} MB) shipped  `);
      } else if (now - lastReport >= PROGRESS_LOG_MS) {
        lastReport = now;
        logger.info({ ...p }, 'tail: progress');
      }
    });
    await agent.close();
    if (progress?.isTTY === true) progress.write('\n');
    logger.info({ ...latest }, 'tail: stopped');
  } finally {
    await metaq.close();
  }
}
