import type { FastifyRequest } from 'fastify';
import { groupNameProblem, topicNameProblem } from '../../common/names.js';
import { HttpError } from './http-errors.js';

/**
 * A topic or group in an admin route's path, checked by the broker's one name rule before any
 * route uses it, so the 400 says what is allowed (the schemas' patterns are the same rule).
 */
export function namesGuard(request: FastifyRequest): Promise<void> {
  const params = request.params as Record<string, unknown> | undefined;
  const problem =
    (params?.topic !== undefined ? topicNameProblem(params.topic) : undefined) ?? (params?.group !== undefined ? groupNameProblem(params.group) : undefined);
  return problem === undefined ? Promise.resolve() : Promise.reject(new HttpError(400, problem));
}
