import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The admin API's guard: `Authorization: Bearer <token>`, compared in constant time. A refused
 * request is answered before its handler runs, so it has no effect.
 */
export function tokenGuard(token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = Buffer.from(token, 'utf8');
  return async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '', 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    const why =
      header === '' ? 'no Authorization header' : header.startsWith('Bearer ') ? 'the token is wrong' : 'the Authorization header is not "Bearer <token>"';
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="metaq"')
      .send({
        error: 'Unauthorized',
        message: `${why}: send Authorization: Bearer <token>, the [http] token of this broker's server.ini (or the one it printed at start)`,
      });
  };
}
