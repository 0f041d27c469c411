import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { DEFAULT_OPAQUE } from '../../protocol/commands.js';
import type { LocalRequest } from '../../broker/local-requests.js';
import { LoginRefusal, checkBasicLogin, sendLoginRefusal } from './basic-login.js';
import { loginChecked } from './put-admission.js';
import { sendOutcome } from './http-outcome.js';
import { commandNameProblem } from '../../broker/command-names.js';

type Query = Record<string, string | undefined>;

/** A query parameter that must be a decimal integer; the message says which and what it got. */
class BadParameter extends Error {}

function int(query: Query, name: string, fallback?: number): number {
  const text = query[name];
  if (text === undefined || text === '') {
    if (fallback !== undefined) return fallback;
    throw new BadParameter(`missing parameter ${name}`);
  }
  if (!/^-?\d+$/.test(text)) throw new BadParameter(`parameter ${name} must be an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function text(query: Query, name: string, fallback?: string): string {
  const value = query[name] ?? fallback;
  if (value === undefined || value === '') throw new BadParameter(`missing parameter ${name}`);
  if (/[\s]/.test(value)) throw new BadParameter(`parameter ${name} must not contain spaces`);
  return value;
}

/**
 * MetaQ's HTTP front end (docs/operations.md): `/get`, `/put` and `/offset`, optionally followed by
 * `/<brokerId>` so a load balancer can route by broker. Each runs through the same handler as
 * the wire command and answers the wire's result code as the HTTP status.
 */
export function frontEndRoutes(app: FastifyInstance, broker: Broker): void {
  const client = (request: FastifyRequest) => `http:${request.ip}`;
  const guarded =
    (handler: (request: FastifyRequest, reply: FastifyReply, query: Query) => Promise<void>) => async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        await handler(request, reply, request.query as Query);
      } catch (error) {
        if (error instanceof LoginRefusal) {
          await sendLoginRefusal(reply, error);
          return;
        }
        if (!(error instanceof BadParameter)) throw error;
        await reply.code(400).type('text/plain; charset=utf-8').send(`Invalid request: ${error.message}`);
      }
    };
  /** Run a command for a request, once its user (on a broker with `[auth]`) may. */
  const run = async (request: FastifyRequest, command: LocalRequest) => {
    // Names first: rights are matched on a valid name only (the broker refuses it again, counted).
    if (commandNameProblem(command) !== undefined) return broker.request(command, client(request));
    // A /put's login was checked before its body was read (put-admission.ts).
    if (broker.users !== undefined && !loginChecked(request))
      await checkBasicLogin(broker.users, request, command, { counters: broker.counters, backoff: broker.loginBackoff });
    return broker.request(command, client(request));
  };

  const get = guarded(async (request, reply, q) => {
    const command = {
      kind: 'get',
      topic: text(q, 'topic'),
      group: text(q, 'group', 'httpgroup'),
      partition: int(q, 'partition'),
      offset: int(q, 'offset'),
      maxSize: int(q, 'maxsize', 1024 * 1024),
      opaque: DEFAULT_OPAQUE,
    } as const;
    await sendOutcome(reply, await run(request, command));
  });
  const offset = guarded(async (request, reply, q) => {
    const command = {
      kind: 'offset',
      topic: text(q, 'topic'),
      group: text(q, 'group', 'httpgroup'),
      partition: int(q, 'partition'),
      offset: int(q, 'offset'),
      opaque: DEFAULT_OPAQUE,
    } as const;
    await sendOutcome(reply, await run(request, command));
  });
  const put = guarded(async (request, reply, q) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const length = int(q, 'length', body.length);
    if (length !== body.length) throw new BadParameter(`length=${length} but the body has ${body.length} bytes; send the encoded payload as the body`);
    // A wrong checksum is the put handler's to refuse, with the wire's 500 and text.
    const command = {
      kind: 'put',
      topic: text(q, 'topic'),
      partition: int(q, 'partition', -1),
      flag: int(q, 'flag', 0),
      checksum: int(q, 'checksum', -1),
      txKey: undefined,
      opaque: DEFAULT_OPAQUE,
      body,
    } as const;
    await sendOutcome(reply, await run(request, command));
  });

  for (const path of ['/get', '/get/:brokerId']) app.get(path, get);
  for (const path of ['/offset', '/offset/:brokerId']) app.get(path, offset);
  for (const path of ['/put', '/put/:brokerId']) app.post(path, put);
}
