import type { FastifyInstance } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import type { TopicChange } from '../../broker/topic-admin.js';
import { TOPIC_NAME_PATTERN } from '../../common/names.js';
import { topicParam } from './schemas.js';

const settings = { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 64 } as const;
const partitions = { type: 'integer', minimum: 1, maximum: 100_000 } as const;

/** Create, alter and delete topics at run time, kept in server.ini (docs/admin-api.md, docs/operations.md). */
export function topicAdminRoutes(app: FastifyInstance, broker: Broker): void {
  app.post<{ Body: { topic: string; partitions?: number; settings?: Record<string, string> } }>(
    '/api/topics',
    {
      schema: {
        body: {
          type: 'object',
          required: ['topic'],
          additionalProperties: false,
          properties: { topic: { type: 'string', pattern: TOPIC_NAME_PATTERN }, partitions, settings },
        },
      },
    },
    async (request, reply) => {
      const { topic, partitions: count, settings: set } = request.body;
      const created = await broker.topicAdmin.create(topic, { ...(count === undefined ? {} : { partitions: count }), ...(set === undefined ? {} : { set }) });
      broker.logger.info({ component: 'admin', ...created }, 'topic created');
      return reply.code(201).send(created);
    },
  );

  app.patch<{ Params: { topic: string }; Body: { partitions?: number; set?: Record<string, string>; unset?: string[] } }>(
    '/api/topics/:topic',
    {
      schema: {
        params: topicParam,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { partitions, set: settings, unset: { type: 'array', items: { type: 'string', maxLength: 300 }, maxItems: 64 } },
        },
      },
    },
    async (request) => {
      const change: TopicChange = request.body;
      const altered = await broker.topicAdmin.alter(request.params.topic, change);
      broker.logger.info({ component: 'admin', ...altered }, 'topic altered');
      return altered;
    },
  );

  app.delete<{ Params: { topic: string } }>('/api/topics/:topic', { schema: { params: topicParam } }, async (request) => {
    const deleted = await broker.topicAdmin.delete(request.params.topic);
    broker.logger.warn(
      { component: 'admin', topic: deleted.topic, partitions: deleted.partitions.length, file: deleted.file },
      'topic deleted with its stored messages',
    );
    return deleted;
  });
}
