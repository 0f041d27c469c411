import { SCRAM_MECHANISM, ScramClientExchange } from '../../src/protocol/scram.js';
import type { WireSession } from './wire-session.js';

/** Log a raw session in as `username` (SCRAM-SHA-256), as the client library does on connect. */
export async function logIn(session: WireSession, username: string, password: string): Promise<void> {
  const exchange = new ScramClientExchange(username, password);
  const step = async (message: string): Promise<string> => {
    const reply = await session.request((opaque) => ({ kind: 'auth', mechanism: SCRAM_MECHANISM, opaque, body: Buffer.from(message, 'utf8') }));
    if (reply.kind !== 'result' || reply.code !== 200) throw new Error(`login of ${username} refused: ${reply.body.toString()}`);
    return reply.body.toString();
  };
  const serverFinal = await step(await exchange.final(await step(exchange.first())));
  if (!exchange.verify(serverFinal)) throw new Error(`the broker did not prove it knows ${username}'s keys`);
}
