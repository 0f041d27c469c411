import { errorCodeInfo } from './error-codes.js';
import type { ErrorCode } from './error-codes.js';

/**
 * Every error a user can see is a MetaqError: a stable `code` to branch on (listed, with whether
 * it is retriable, in error-codes.ts), a message that says what was wrong and what to do, and the
 * underlying `cause` when there is one.
 */
export class MetaqError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** The same call may succeed if made again (error-codes.ts). */
  get retriable(): boolean {
    return errorCodeInfo(this.code).retriable;
  }

  /** The broker may have acted on the request, so a retry may apply it twice. */
  get outcomeUnknown(): boolean {
    return errorCodeInfo(this.code).outcomeUnknown;
  }
}

/** `error` is a MetaqError the registry marks retriable. */
export function isRetriable(error: unknown): boolean {
  return error instanceof MetaqError && error.retriable;
}

/** `error` is a MetaqError after which the broker may or may not have acted (a timeout, a lost connection). */
export function isOutcomeUnknown(error: unknown): boolean {
  return error instanceof MetaqError && error.outcomeUnknown;
}

/** `error` is a MetaqError with this code. */
export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof MetaqError && error.code === code;
}

/** Bytes on the wire that do not form a valid MetaQ command. The connection must be closed. */
export class ProtocolError extends MetaqError {
  constructor(message: string, options?: ErrorOptions) {
    super('PROTOCOL_ERROR', message, options);
  }
}

/** A configuration file or value that cannot be used. */
export class ConfigError extends MetaqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_ERROR', message, options);
  }
}

/** Storage failures. `code` tells the put handler which status to answer. */
export class StorageError extends MetaqError {}

export const StorageCodes = {
  /** The disk is full: the put was not stored; retry once space is freed. */
  full: 'STORAGE_FULL',
  /** A write or fsync failed: the partition is fenced until the broker restarts. */
  failed: 'STORAGE_FAILED',
  /** Bytes on disk fail their checksum: the range is refused rather than served. */
  corrupt: 'STORAGE_CORRUPT',
  /** The log is closing or closed. */
  closed: 'STORAGE_CLOSED',
} as const;
