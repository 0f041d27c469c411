/**
 * MetaQ response codes (docs/protocol.md, statuses), named as in the original HttpStatus, and
 * what each means to a client: whether the same request may succeed if sent again
 * (`retriable`) and whether the broker may have acted on it anyway (`outcomeUnknown`).
 *
 * | status | name | meaning | retriable | outcome unknown |
 * |---|---|---|---|---|
 * | 200 | success | done; the body is the answer | - | - |
 * | 301 | moved | get/offset: continue at the offset in the body | no | no |
 * | 400 | badRequest | a malformed or unknown command | no | no |
 * | 401 | unauthorized | not logged in, or the user lacks the right | no | no |
 * | 403 | forbidden | the partition is closed (migration) or not readable here | yes | no |
 * | 404 | notFound | nothing at this offset yet, or no such partition | no | no |
 * | 408 | requestTimeout | metaq: the command line did not arrive in time | yes | no |
 * | 500 | internalServerError | refused: unknown topic, failed storage, a transaction error | no | no |
 * | 503 | serviceUnavailable | nothing stored: fenced, saturated or over a budget | yes | no |
 * | 504 | gatewayTimeout | MetaQ's code for a slave that did not answer; metaq does not send it | no | no |
 */
export const Status = {
  success: 200,
  moved: 301,
  badRequest: 400,
  unauthorized: 401,
  forbidden: 403,
  notFound: 404,
  /** metaq: a command line that did not arrive in time (`headerTimeoutMs`). */
  requestTimeout: 408,
  internalServerError: 500,
  serviceUnavailable: 503,
  gatewayTimeout: 504,
} as const;

export type StatusCode = (typeof Status)[keyof typeof Status];

/** The statuses after which the same request may succeed if sent again (see the table above). */
const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([Status.forbidden, Status.requestTimeout, Status.serviceUnavailable]);

/** The same request may succeed if sent again, later or to another partition. */
export function isRetriableStatus(status: number): boolean {
  return RETRIABLE_STATUSES.has(status);
}
