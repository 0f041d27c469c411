/** MetaQ response codes (§1.4), named as in the original HttpStatus. */
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
