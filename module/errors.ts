/**
 * An error the user caused or can act on. It carries an HTTP status and a message key, so
 * one error handler can answer in the user's language; `params` fill the message.
 */
export class AppError extends Error {
  readonly status: number;
  readonly messageKey: string;
  readonly params: Record<string, string | number>;
  /** The form field at fault, when there is one. */
  readonly field?: string;

  constructor(
    status: number,
    messageKey: string,
    params: Record<string, string | number> = {},
    options: { field?: string; cause?: unknown } = {},
  ) {
    super(`${messageKey} ${JSON.stringify(params)}`, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.messageKey = messageKey;
    this.params = params;
    this.field = options.field;
  }
}

export class NotFoundError extends AppError {
  constructor(messageKey = 'errors.not_found', params: Record<string, string | number> = {}) {
    super(404, messageKey, params);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends AppError {
  constructor(messageKey = 'errors.forbidden', params: Record<string, string | number> = {}) {
    super(403, messageKey, params);
    this.name = 'ForbiddenError';
  }
}

export class UnauthenticatedError extends AppError {
  constructor() {
    super(401, 'errors.login_required');
    this.name = 'UnauthenticatedError';
  }
}

/** Bad input: the request is refused before anything is written. */
export class InputError extends AppError {
  constructor(messageKey: string, params: Record<string, string | number> = {}, field?: string) {
    super(422, messageKey, params, { field });
    this.name = 'InputError';
  }
}

/** A request that is well-formed but conflicts with the current state (e.g. an open transfer). */
export class ConflictError extends AppError {
  constructor(messageKey: string, params: Record<string, string | number> = {}) {
    super(409, messageKey, params);
    this.name = 'ConflictError';
  }
}

export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(messageKey: string, retryAfterSeconds: number) {
    super(429, messageKey, { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const DATABASE_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'EPIPE',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_CANTOPEN',
]);

/** Lost a race for a lock: the statement was rolled back and may simply be run again. */
const LOCK_CONTENTION = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT']);

/** The database could not be reached or is overloaded: nothing was written, try again. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; name?: string; fatal?: boolean; message?: string } | undefined;
  if (!e) return false;
  if ((e.code && DATABASE_UNREACHABLE.has(e.code)) || e.name === 'KnexTimeoutError') return true;
  // mysql2 on a connection the server closed (a restart): a fatal error, or no code at all.
  return e.fatal === true || /connection is in closed state|Connection lost/i.test(e.message ?? '');
}

/**
 * Our own database failed the work, not the work itself: unreachable, restarting, or a lock
 * that another writer held. Job attempts that end this way are not counted.
 */
export function isDatabaseTrouble(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (isDatabaseUnavailable(e) || (e.code && LOCK_CONTENTION.has(e.code))) return true;
  }
  return false;
}

/** Unknown errors become an AppError with the original kept as `cause`. */
export function coerceError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return new AppError(424, 'errors.database_unavailable', {}, { cause: error });
  const status = (error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser and friends: malformed or oversized request bodies.
    return new AppError(status, status === 413 ? 'errors.too_large' : 'errors.bad_request', {}, { cause: error });
  }
  return new AppError(500, 'errors.internal', {}, { cause: error });
}
