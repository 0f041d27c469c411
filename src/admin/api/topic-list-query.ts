import type { FastifySchemaValidationError } from 'fastify';
import { TOPIC_NAME_PATTERN } from '../../common/names.js';
import { HttpError } from './http-errors.js';

/** Topics per page of `GET /api/topics` unless `limit` says otherwise, and the most one page may hold. */
export const TOPIC_PAGE_DEFAULT = 100;
export const TOPIC_PAGE_MAX = 1000;
const MAX_FILTER_LENGTH = 249;

/** `GET /api/topics?limit=&after=&q=` (docs/admin-api.md); unknown parameters are refused so a typo is not silently ignored. */
export const topicListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: TOPIC_PAGE_MAX, default: TOPIC_PAGE_DEFAULT },
    after: { type: 'string', pattern: TOPIC_NAME_PATTERN },
    q: { type: 'string', maxLength: MAX_FILTER_LENGTH, default: '' },
  },
} as const;

const USAGE = `GET /api/topics takes limit (1 to ${TOPIC_PAGE_MAX}, default ${TOPIC_PAGE_DEFAULT}), after (the next field of the previous reply) and q (part of a topic name)`;

/**
 * The 400 for a query the schema refused, saying which parameter was wrong, what it may be and
 * how to page instead: ajv alone says only "must be <= 1000".
 */
export function topicListQueryError(errors: readonly FastifySchemaValidationError[], query: unknown): HttpError {
  const error = errors[0];
  const field = error?.instancePath.replace(/^\//, '') ?? '';
  const given = (name: string): unknown => (query as Record<string, unknown> | undefined)?.[name] ?? '';
  if (error?.keyword === 'additionalProperties') {
    const unknown = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    const hint = unknown === 'offset' || unknown === 'page' ? "; pages follow a cursor: pass the previous reply's next as after" : '';
    return new HttpError(400, `unknown parameter ${unknown}: ${USAGE}${hint}`);
  }
  if (field === 'limit')
    return new HttpError(
      400,
      `limit=${String(given('limit'))} is not allowed: limit is a whole number from 1 to ${TOPIC_PAGE_MAX} (default ${TOPIC_PAGE_DEFAULT}); for more topics, ask for the next page with after=<next>`,
    );
  if (field === 'after')
    return new HttpError(
      400,
      `after=${JSON.stringify(given('after'))} is not a topic name: pass the next field of the previous reply to get the page after it, or leave after out for the first page`,
    );
  if (field === 'q') return new HttpError(400, `q is at most ${MAX_FILTER_LENGTH} characters: it keeps the topics whose name contains it`);
  return new HttpError(400, `${error?.message ?? 'bad query'}: ${USAGE}`);
}
