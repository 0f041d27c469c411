import { GROUP_NAME_PATTERN, TOPIC_NAME_PATTERN } from '../../common/names.js';

/** JSON schemas shared by the admin routes; fastify answers 400 naming the field that failed. */
export const topicParam = {
  type: 'object',
  required: ['topic'],
  properties: { topic: { type: 'string', pattern: TOPIC_NAME_PATTERN } },
} as const;

export const topicPartitionParams = {
  type: 'object',
  required: ['topic', 'partition'],
  properties: { ...topicParam.properties, partition: { type: 'integer', minimum: 0 } },
} as const;

export const groupParam = {
  type: 'object',
  required: ['group'],
  properties: { group: { type: 'string', pattern: GROUP_NAME_PATTERN } },
} as const;
