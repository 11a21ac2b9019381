import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, coerceError, UnauthenticatedError } from '../errors.ts';
import type { PageKit } from './page-kit.ts';

/** Statuses with a title of their own; others fall back to the general one. */
const ERROR_TITLES = new Set([401, 403, 404, 409, 413, 422, 424, 429, 500, 503]);

/**
 * One error handler for the module's routers (and a host that wants it): a translated page for
 * browsers, JSON for API clients, a redirect to the login page for someone not logged in, and
 * never a stack trace. Unexpected errors are logged once, with their cause.
 */
export function createErrorHandler(pages: PageKit, settings: () => { logger: Logger; loginUrl: string }): ErrorRequestHandler {
  return (rawError: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { logger, loginUrl } = settings();
    const error = coerceError(rawError);
    if (error.messageKey === 'errors.database_unavailable') {
      logger.warn({ err: error.cause, path: req.path, method: req.method }, 'database unavailable');
    } else if (error.status >= 500 && error.messageKey !== 'errors.auth_unavailable') {
      logger.error({ err: error.cause ?? error, path: req.path, method: req.method }, 'request failed');
    }
    if (error instanceof UnauthenticatedError && req.accepts(['html', 'json']) === 'html') {
      return res.redirect(303, `${loginUrl}?next=${encodeURIComponent(req.originalUrl)}`);
    }
    if (error instanceof AppError && error.status === 429) {
      res.setHeader('Retry-After', String((error as AppError & { retryAfterSeconds?: number }).retryAfterSeconds ?? 60));
    }
    const message = pages.t(req)(error.messageKey, error.params);
    if (res.headersSent) return;
    if (req.accepts(['html', 'json']) === 'json' || req.path.startsWith('/api/')) {
      res.status(error.status).json({ error: { code: error.messageKey, message, field: error.field } });
      return;
    }
    const titleKey = ERROR_TITLES.has(error.status) ? `errors.titles.${error.status}` : error.status >= 500 ? 'errors.titles.500' : 'errors.title';
    pages.render(req, res, 'error', { titleKey, message, status: error.status }, error.status);
  };
}
