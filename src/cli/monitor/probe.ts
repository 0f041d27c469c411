import { hostname } from 'node:os';
import { MetaqClient } from '../../client/index.js';
import type { Alert } from './alert-book.js';
import { connectionFromEnv } from '../connection-env.js';

export interface ProbeOptions {
  /** MetaQ's monitor topic; every broker must configure it (`[topic=meta-monitor-topic]`). */
  topic: string;
  /** The group the probe reads with (MetaQ's `meta-monitor-receive`). */
  group: string;
  sendTimeoutMs: number;
  receiveTimeoutMs: number;
}

/**
 * A round trip through one broker over the wire, as clients see it: send a probe message, then
 * fetch it back at the offset the broker acked. One client per broker, kept between rounds.
 */
export class Prober {
  private client: MetaqClient | undefined;
  private clientUrl: string | undefined;
  private sequence = 0;

  constructor(
    private readonly broker: string,
    private readonly options: ProbeOptions,
  ) {}

  /** The topic probes go to, whose flush settings say how long a probe may take to show. */
  get topic(): string {
    return this.options.topic;
  }

  /**
   * Alerts if the probe could not be sent or read back; none when the round trip worked. A broker
   * in normal flush (unflushThreshold > 0) shows a message to gets only once flushed, up to
   * `visibleWithinMs` (the topic's unflushInterval) later: missing reads retry until then.
   */
  async probe(wireUrl: string, visibleWithinMs = 0): Promise<Alert[]> {
    const client = await this.clientFor(wireUrl);
    const { topic, group } = this.options;
    const data = `metaq monitor probe from ${hostname()} pid ${process.pid} #${++this.sequence}`;
    let sent;
    try {
      sent = await client.producer().send({ topic, data }, { timeoutMs: this.options.sendTimeoutMs });
    } catch (error) {
      const hint = /accept topic/.test((error as Error).message) ? `; add [topic=${topic}] to the broker's server.ini and run metaq reload` : '';
      return [this.alert('probe-send', `could not send a probe to ${topic} on ${wireUrl}: ${(error as Error).message}${hint}`)];
    }
    try {
      const deadline = performance.now() + visibleWithinMs;
      const read = () => client.get(topic, sent.partition.index, sent.offset, { group, timeoutMs: this.options.receiveTimeoutMs, maxSize: 64 * 1024 });
      let first = (await read()).messages[0];
      while (first === undefined && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        first = (await read()).messages[0];
      }
      if (first === undefined || first.id !== sent.id || first.data.toString('utf8') !== data) {
        return [
          this.alert(
            'probe-receive',
            `the probe sent to ${topic}-${sent.partition.index} at offset ${sent.offset} (id ${sent.id}) came back ${first === undefined ? 'missing' : `as another message (id ${first.id})`}`,
          ),
        ];
      }
    } catch (error) {
      return [
        this.alert(
          'probe-receive',
          `could not fetch the probe back from ${topic}-${sent.partition.index} at offset ${sent.offset}: ${(error as Error).message}`,
        ),
      ];
    }
    return [];
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  /** The broker's wire address can change (a promoted slave answers on another port): follow it. */
  private async clientFor(wireUrl: string): Promise<MetaqClient> {
    if (this.client !== undefined && this.clientUrl === wireUrl) return this.client;
    await this.close();
    this.clientUrl = wireUrl;
    return (this.client = new MetaqClient({ serverUrl: wireUrl, connection: { reconnectMaxMs: 1_000, ...connectionFromEnv() } }));
  }

  private alert(kind: 'probe-send' | 'probe-receive', message: string): Alert {
    return { broker: this.broker, kind, subject: '', message };
  }
}
