import { checksum } from '../../src/common/checksum.js';
import type { TransactionType } from '../../src/protocol/commands.js';
import type { WireSession } from './wire-session.js';

/** One `transaction` command; returns the reply code and body text. */
export async function txCommand(
  session: WireSession,
  txKey: string,
  type: TransactionType,
  options: { timeout?: number; qualifier?: string; sessionId?: string } = {},
): Promise<{ code: number; text: string }> {
  const reply = await session.request((opaque) => ({
    kind: 'transaction',
    txKey,
    sessionId: options.sessionId ?? 'test-session',
    type,
    timeout: options.timeout ?? 0,
    uniqueQualifier: options.qualifier,
    opaque,
  }));
  return { code: reply.kind === 'result' ? reply.code : 0, text: reply.body.toString() };
}

/** A put inside transaction `txKey`. */
export async function txPut(session: WireSession, txKey: string, topic: string, partition: number, payload: string): Promise<{ code: number; text: string }> {
  const body = Buffer.from(payload);
  const reply = await session.request((opaque) => ({ kind: 'put', topic, partition, flag: 0, checksum: checksum(body), txKey, opaque, body }));
  return { code: reply.kind === 'result' ? reply.code : 0, text: reply.body.toString() };
}

/** An XA key as MetaQ's client builds it: `XID:<format>:<gtrid hex>:<bqual hex>:<qualifier>`. */
export function xaKey(gtrid: string, qualifier = 'test-app', bqual = 'b1'): string {
  return `XID:1:${Buffer.from(gtrid).toString('hex')}:${Buffer.from(bqual).toString('hex')}:${qualifier}`;
}
