/** JSON schemas shared by the admin routes; fastify answers 400 naming the field that failed. */
export const topicParam = {
  type: 'object',
  required: ['topic'],
  properties: { topic: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^/\\s*]+$' } },
} as const;

export const topicPartitionParams = {
  type: 'object',
  required: ['topic', 'partition'],
  properties: { ...topicParam.properties, partition: { type: 'integer', minimum: 0 } },
} as const;

export const groupParam = {
  type: 'object',
  required: ['group'],
  properties: { group: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^/\\s]+$' } },
} as const;
