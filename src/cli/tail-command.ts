import pino from 'pino';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { TailAgent } from '../integrations/tail/tail-agent.js';
import type { TailOptions } from '../integrations/tail/tail-agent.js';
import { keySelector, MetaqClient } from '../client/index.js';
import type { ClientOptions } from '../client/index.js';
import { NodeFileIO } from '../broker/index.js';

/** Where the checkpoint goes when `--checkpoint` is not given. */
export function defaultCheckpointPath(topic: string): string {
  return join(homedir(), '.metaq-tail', `${topic}.checkpoint.json`);
}

/**
 * `metaq tail`: ship log files to a topic until SIGINT or SIGTERM. One file's records go to one
 * partition (keyed by its path), in order. Progress goes to `progress` on a terminal.
 */
export async function tail(client: ClientOptions, options: TailOptions, signal: AbortSignal, progress: NodeJS.WriteStream | undefined): Promise<void> {
  const io = new NodeFileIO();
  await io.mkdirp(dirname(options.checkpointPath));
  const metaq = new MetaqClient(client);
  const logger = pino({ level: process.env.METAQ_LOG_LEVEL ?? 'info' }, pino.destination(2));
  try {
    const agent = await TailAgent.open(io, metaq.producer({ selector: keySelector() }), options, logger);
    let lastReport = 0;
    await agent.run(signal, (p) => {
      if (!progress?.isTTY || performance.now() - lastReport < 500) return;
      lastReport = performance.now();
      progress.write(`\r${p.files} files, ${p.shippedRecords} records (${(p.shippedBytes / 1e6).toFixed(1)} MB) shipped  `);
    });
    await agent.close();
    if (progress?.isTTY) progress.write('\n');
  } finally {
    await metaq.close();
  }
}
