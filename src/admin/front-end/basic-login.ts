import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessFor, holds } from '../../broker/auth/access-rules.js';
import type { LoginBackoff } from '../../broker/auth/login-backoff.js';
import type { User, UserBook } from '../../broker/auth/user-book.js';
import type { BrokerCounters } from '../../broker/stats/broker-counters.js';
import type { Command } from '../../protocol/commands.js';
import { passwordMatches } from '../../protocol/scram.js';

/** Why an HTTP front-end request was refused on a broker with `[auth] enabled=true`. */
export class LoginRefusal extends Error {
  constructor(
    message: string,
    /** Set when the client's address is blocked after failed logins: seconds until it may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** What a login on the front end is counted in and held to: the same as on the broker port. */
export interface LoginGuards {
  counters: BrokerCounters;
  backoff: LoginBackoff;
}

/**
 * The front end's login on a broker with `[auth] enabled=true`: HTTP Basic (use HTTPS, `[tls]`),
 * checked against the user's SCRAM keys, then the command against the user's rights, the same
 * rules, counters and back-off as on the wire.
 */
export async function checkBasicLogin(users: UserBook, request: FastifyRequest, command: Command, guards: LoginGuards): Promise<User> {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) throw new LoginRefusal('authentication required: this broker has [auth] enabled; send HTTP Basic credentials');
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const name = colon < 0 ? decoded : decoded.slice(0, colon);
  const refusal = guards.backoff.refusal(request.ip, name);
  if (refusal !== undefined) throw new LoginRefusal(refusal.text, Math.ceil(refusal.waitMs / 1000));
  const user = users.get(name);
  // A made-up user costs the same derivation, so timing does not tell names apart.
  const credentials = user?.credentials ?? users.decoy(name);
  if (!(await passwordMatches(decoded.slice(colon + 1), credentials)) || user === undefined || colon < 0) {
    guards.counters.loginFailures += 1;
    guards.backoff.failed(request.ip, name);
    throw new LoginRefusal('authentication failed: wrong user name or password');
  }
  guards.backoff.succeeded(request.ip, name);
  const access = accessFor(command);
  if (!holds(user, access)) {
    if (access.right !== 'none' && access.right !== 'authenticated') guards.counters.accessDenials[access.right] += 1;
    throw new LoginRefusal(`access denied: user ${name} may not ${command.kind === 'put' ? 'publish to' : 'subscribe to'} this topic`);
  }
  return user;
}

/** A refused login's answer: 429 with Retry-After while its address is backed off, else 401 asking for Basic credentials. */
export async function sendLoginRefusal(reply: FastifyReply, error: LoginRefusal): Promise<FastifyReply> {
  if (error.retryAfterSeconds !== undefined)
    return reply.code(429).header('retry-after', String(error.retryAfterSeconds)).type('text/plain; charset=utf-8').send(error.message);
  return reply.code(401).header('www-authenticate', 'Basic realm="metaq"').type('text/plain; charset=utf-8').send(error.message);
}
