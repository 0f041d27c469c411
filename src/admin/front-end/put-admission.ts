import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { commandNameProblem } from '../../broker/command-names.js';
import { DEFAULT_OPAQUE } from '../../protocol/commands.js';
import type { PutCommand } from '../../protocol/commands.js';
import { LoginRefusal, checkBasicLogin, sendLoginRefusal } from './basic-login.js';

/** Requests whose Basic login this hook already checked: the route does not derive the password again. */
const loggedIn = new WeakSet<FastifyRequest>();

export function loginChecked(request: FastifyRequest): boolean {
  return loggedIn.has(request);
}

/**
 * Before a `/put` body is read (fastify buffers it whole): on a broker with `[auth]` the Basic
 * login and the publish right are checked, so nobody unknown gets a body buffered; then its
 * Content-Length is reserved in the broker port's body budget (`maxBodyBytesInFlight`, half of it
 * per client address) until the response ends or the connection closes. Without the reservation
 * HTTP bodies were a second, unbounded way to hold the broker's memory. A body that does not fit
 * is answered 503 at once (its bytes are read and dropped by Node, not kept).
 */
export function putAdmission(broker: Broker) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (request.method !== 'POST') return undefined;
    const users = broker.users;
    const topic = (request.query as Record<string, string | undefined>).topic;
    if (users !== undefined && topic !== undefined && topic !== '') {
      const command: PutCommand = { kind: 'put', topic, partition: -1, flag: 0, checksum: -1, txKey: undefined, opaque: DEFAULT_OPAQUE, body: Buffer.alloc(0) };
      // A bad name is the route's to refuse (400, counted) before any login, as on the wire.
      if (commandNameProblem(command) === undefined) {
        try {
          await checkBasicLogin(users, request, command, { counters: broker.counters, backoff: broker.loginBackoff });
          loggedIn.add(request);
        } catch (error) {
          if (!(error instanceof LoginRefusal)) throw error;
          return sendLoginRefusal(reply, error);
        }
      }
    }
    const declared = request.headers['content-length'];
    if (declared === undefined) {
      // A chunked body has no length to reserve before it is read.
      if (request.headers['transfer-encoding'] === undefined) return undefined;
      return reply
        .code(411)
        .type('text/plain; charset=utf-8')
        .send('Length Required: send a /put body with a Content-Length header (chunked bodies are not accepted)');
    }
    const bytes = Number(declared);
    // Over maxRequestBodySize fastify answers 413 before reading anything.
    if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > broker.config.system.maxRequestBodySize) return undefined;
    const budget = broker.bodyBudget;
    if (!budget.reserve(request.ip, bytes)) {
      const text = `broker busy: request bodies already hold the memory allowed for them (maxBodyBytesInFlight ${budget.limit} bytes, at most half for one client address); nothing was done, send it again once your other requests are answered`;
      return reply.code(503).header('retry-after', '1').type('text/plain; charset=utf-8').send(text);
    }
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      budget.release(request.ip, bytes);
    };
    // 'close' on the response comes once it is sent or its connection is gone, whichever is first.
    reply.raw.once('close', release);
    return undefined;
  };
}
