import { connect } from 'node:net';
import { ZkSession } from '../client/index.js';
import { BrokerConnection } from '../client/transport/broker-connection.js';
import { parseBrokerUrl } from '../client/transport/broker-address.js';
import { MetaZnodes } from '../coordination/zk/znodes.js';
import { promoteSyncSlave } from '../broker/replication/failover.js';
import { MetaqError } from '../common/errors.js';
import { Status } from '../protocol/status.js';
import type { Target } from './broker-target.js';
import { urlOf } from './broker-target.js';
import { connectionFromEnv } from './connection-env.js';
import { writeJson } from './json-output.js';
import { statsObject } from './stats-values.js';
import { decodeStatsReply } from '../protocol/commands/stats.js';

/**
 * `metaq promote`: make a broker id's sync slave its master (docs/replication.md); waits until it
 * registered. A registered master that does not answer was killed: its node goes when its
 * ZooKeeper session expires, so wait for that (saying so on `notes`, stderr) rather than refuse.
 */
export async function promote(
  zkConnect: string,
  root: string,
  brokerId: number,
  options: { force: boolean; sessionTimeoutMs: number },
  out: NodeJS.WritableStream,
  notes: NodeJS.WritableStream = process.stderr,
): Promise<void> {
  const { force, sessionTimeoutMs } = options;
  const session = await ZkSession.open({ connect: zkConnect, sessionTimeoutMs: 10_000, connectionTimeoutMs: 10_000 });
  try {
    const znodes = new MetaZnodes(root);
    const registered = force ? undefined : await session.getData(znodes.master(brokerId));
    const dead = registered ? !(await answers(registered)) : false;
    out.write(`promoting the sync slave of broker ${brokerId}${force ? ' (forced: the live master is fenced)' : ''}…\n`);
    const record = await promoteSyncSlave(session, znodes, brokerId, {
      force,
      masterExpiryMs: dead ? sessionTimeoutMs : undefined,
      onWaitingForExpiry: (master, atMostMs) =>
        notes.write(
          `the old master ${master} does not answer: waiting for its ZooKeeper session to expire, at most ${atMostMs} ms (the session timeout, --session-timeout)…\n`,
        ),
    });
    out.write(`broker ${brokerId} is served by ${record.master} from epoch ${record.epoch}; it acks puts without a slave until one is configured\n`);
  } finally {
    await session.close();
  }
}

/** Whether a broker URL takes a TCP connection within 2 s. */
function answers(url: string): Promise<boolean> {
  const { host, port } = parseBrokerUrl(url);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (alive: boolean): void => {
      socket.destroy();
      resolve(alive);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** `metaq slave status|resubscribe`: a broker's replication state (with `json`, as one object), or restart an async slave's copying. */
export async function slave(target: Target, action: string, out: NodeJS.WritableStream, json = false): Promise<void> {
  if (action !== 'status' && action !== 'resubscribe') throw new MetaqError('USAGE', `slave needs status or resubscribe, got ${JSON.stringify(action)}`);
  const connection = new BrokerConnection(parseBrokerUrl(urlOf(target)), connectionFromEnv());
  try {
    const reply = await connection.request(
      (opaque) => (action === 'status' ? { kind: 'stats', item: 'replication', opaque } : { kind: 'admin', action: 'resubscribe', opaque }),
      30_000,
      `slave ${action}`,
    );
    const text = reply.body.toString('utf8');
    if (reply.kind === 'result' && reply.code !== Status.success) throw new MetaqError('BROKER_REFUSED', `${action} refused (${reply.code}): ${text}`);
    if (json && action === 'status') {
      writeJson(out, statsObject(decodeStatsReply(reply)));
      return;
    }
    out.write(
      action === 'status'
        ? text
            .replace(/^STATS\r\n/, '')
            .replace(/END\r\n$/, '')
            .replace(/\r\n/g, '\n')
        : `${text}\n`,
    );
  } finally {
    await connection.close();
  }
}
