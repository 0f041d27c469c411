import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import type { UserBook } from '../../broker/auth/user-book.js';
import { conflict, notFound } from './http-errors.js';

const nameParam = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,64}$' } } } as const;
const patterns = { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9._*-]{1,255}$' } } as const;
const userBody = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: { type: 'string', minLength: 8 }, publish: patterns, subscribe: patterns, admin: { type: 'boolean' } },
} as const;

interface UserBody {
  password: string;
  publish?: string[];
  subscribe?: string[];
  admin?: boolean;
}

/** The users of a broker with `[auth] enabled=true`: list, add or change (password and rights), remove. Passwords are never shown. */
export function userRoutes(app: FastifyInstance, broker: Broker): void {
  const book = (): UserBook => {
    if (broker.users === undefined) throw conflict('this broker asks for no login: set [auth] enabled=true and usersFile, and restart it');
    return broker.users;
  };
  app.get('/api/users', () => ({ users: book().list() }));
  app.put<{ Params: { name: string }; Body: UserBody }>('/api/users/:name', { schema: { params: nameParam, body: userBody } }, async (request) => {
    const { name } = request.params;
    const { password, publish = [], subscribe = [], admin = false } = request.body;
    await book().put(name, password, { publish, subscribe, admin });
    broker.logger.info({ component: 'admin', user: name, publish, subscribe, admin }, 'user added or changed');
    return { name, publish, subscribe, admin };
  });
  app.delete<{ Params: { name: string } }>('/api/users/:name', { schema: { params: nameParam } }, async (request) => {
    const { name } = request.params;
    if (!(await book().remove(name))) throw notFound(`no user ${name} on this broker`);
    broker.logger.info({ component: 'admin', user: name }, 'user removed');
    return { removed: name };
  });
}
