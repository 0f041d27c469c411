import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import type { Broker } from '../../broker/broker.js';
import { readTopic } from '../views/topic-view.js';
import { readTopicPage } from '../views/topic-list.js';
import { readMessages } from '../views/message-view.js';
import type { RateSampler } from '../rate-sampler.js';
import { topicParam, topicPartitionParams } from './schemas.js';
import { notFound } from './http-errors.js';
import { topicListQuery, topicListQueryError } from './topic-list-query.js';

/** Topics, partitions (offsets, sizes, live rates), the message browser, close/open partitions (docs/admin-api.md). */
export function topicRoutes(app: FastifyInstance, broker: Broker, rates: RateSampler): void {
  // One page by name: a broker's 10,000 partitions must not be built for a page of 100.
  app.get<{ Querystring: { limit: number; after?: string; q: string } }>(
    '/api/topics',
    { schema: { querystring: topicListQuery }, attachValidation: true },
    (request) => {
      if (request.validationError !== undefined) throw topicListQueryError(request.validationError.validation as FastifySchemaValidationError[], request.query);
      const { limit, after, q } = request.query;
      const page = readTopicPage(broker, { limit, after, q });
      return { ...page, limit, topics: page.topics.map((topic) => ({ ...topic, rates: rates.topicRates(topic.topic) })) };
    },
  );

  app.get<{ Params: { topic: string } }>('/api/topics/:topic', { schema: { params: topicParam } }, (request) => {
    const topic = readTopic(broker, request.params.topic);
    if (topic === undefined) throw notFound(`topic ${request.params.topic} is neither stored nor configured on this broker`);
    return { ...topic, rates: rates.topicRates(topic.topic) };
  });

  app.get<{ Params: { topic: string; partition: number }; Querystring: { offset: number; maxBytes: number } }>(
    '/api/topics/:topic/partitions/:partition/messages',
    {
      schema: {
        params: topicPartitionParams,
        querystring: {
          type: 'object',
          properties: {
            offset: { type: 'integer', minimum: 0, default: 0 },
            maxBytes: { type: 'integer', minimum: 1, maximum: 4 * 1024 * 1024, default: 64 * 1024 },
          },
        },
      },
    },
    async (request) => {
      const { topic, partition } = request.params;
      const page = await readMessages(broker, topic, partition, request.query.offset, request.query.maxBytes);
      if (page === undefined) throw notFound(`partition ${topic}-${partition} has no store on this broker`);
      return page;
    },
  );

  app.post<{ Params: { topic: string }; Body: { start: number; end: number } }>(
    '/api/topics/:topic/close',
    {
      schema: {
        params: topicParam,
        body: {
          type: 'object',
          required: ['start', 'end'],
          additionalProperties: false,
          properties: { start: { type: 'integer', minimum: 0 }, end: { type: 'integer', minimum: 0 } },
        },
      },
    },
    (request, reply) => {
      const { topic } = request.params;
      const { start, end } = request.body;
      if (end < start) return reply.code(400).send({ error: 'Bad Request', message: `end (${end}) must not be below start (${start})` });
      // MetaQ closes only configured topics (docs/operations.md).
      if (broker.stores.settings(topic) === undefined) throw notFound(`topic ${topic} is not configured on this broker; only configured topics can be closed`);
      broker.closedPartitions.close(topic, start, end);
      broker.logger.warn({ component: 'admin', topic, start, end }, 'partitions closed: puts and gets answer 403 until opened (or a restart)');
      return { topic, closed: broker.closedPartitions.closedOf(topic) };
    },
  );

  app.post<{ Params: { topic: string } }>('/api/topics/:topic/open', { schema: { params: topicParam } }, (request) => {
    const { topic } = request.params;
    broker.closedPartitions.open(topic);
    broker.logger.info({ component: 'admin', topic }, 'partitions opened');
    return { topic, closed: [] };
  });
}
