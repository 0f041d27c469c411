import pino from 'pino';

/** A structured log call: fields first, then the message (pino's and bunyan's order). */
export type LogCall = (fields: object, message?: string) => void;

/**
 * What the client logs through (ClientOptions.logger, ConsumerOptions.logger): a pino logger
 * fits as it is; anything else (winston, console) with these five methods through a small adapter.
 */
export interface Logger {
  debug: LogCall;
  info: LogCall;
  warn: LogCall;
  error: LogCall;
  /** A logger that adds these fields to every record (a consumer's group, say). */
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * The logger used when the application gives none: warnings and errors only, as JSON lines on
 * stderr, so a library never writes into the application's stdout (which may be its data).
 * METAQ_LOG_LEVEL (trace…fatal, silent) changes the level.
 */
export function defaultLogger(): Logger {
  return pino({ level: process.env.METAQ_LOG_LEVEL ?? 'warn' }, pino.destination({ dest: 2, sync: true }));
}
