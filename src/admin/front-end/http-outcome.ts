import type { FastifyReply } from 'fastify';
import { statusOf, storedText } from '../../broker/handlers/outcome.js';
import type { Outcome } from '../../broker/handlers/outcome.js';

/**
 * A command's outcome as the front end's HTTP response: the wire's result code as the HTTP
 * status with the same text, or a get's message set as the body.
 */
export async function sendOutcome(reply: FastifyReply, outcome: Outcome): Promise<void> {
  if (outcome.kind === 'messages') {
    await reply.code(200).type('application/octet-stream').send(outcome.bytes);
    return;
  }
  const text = outcome.kind === 'stored' ? storedText(outcome) : outcome.text;
  await reply.code(statusOf(outcome)).type('text/plain; charset=utf-8').send(text);
}
