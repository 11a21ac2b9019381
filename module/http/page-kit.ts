import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { i18n, TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { Principal } from '../host-context.ts';
import { AppError, coerceError, ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { isLocale, LOCALE_COOKIE, pickLocale, type Locale } from '../i18n.ts';
import type { CsrfTokens } from './csrf.ts';
import type { ViewRenderer } from './view-renderer.ts';

export interface NavItem {
  href: string;
  /** Message key, translated at render time. */
  labelKey: string;
}

export interface PageKitOptions {
  renderer: ViewRenderer;
  i18n: i18n;
  csrf: CsrfTokens;
  auth: (req: Request) => Principal | null;
  logger: Logger;
  defaultLocale: Locale;
  loginUrl: string;
  /** Links in the page header for this principal. */
  navigation: (principal: Principal | null) => NavItem[];
}

/**
 * Everything a route needs to answer with a page: who is asking, in which language, the
 * CSRF token, and one error handler that turns any failure into a translated 4xx page.
 */
export class PageKit {
  constructor(private readonly options: PageKitOptions) {}

  principal(req: Request): Principal | null {
    return this.options.auth(req);
  }

  locale(req: Request): Locale {
    const asked = req.query?.lang;
    if (isLocale(asked)) return asked;
    return pickLocale(req.headers as Record<string, string>, this.principal(req)?.locale, this.options.defaultLocale);
  }

  t(req: Request): TFunction {
    return this.options.i18n.getFixedT(this.locale(req));
  }

  csrfToken(req: Request): string {
    const principal = this.principal(req);
    return principal ? this.options.csrf.tokenFor(principal.sessionId) : '';
  }

  render(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
    const principal = this.principal(req);
    const locale = this.locale(req);
    const t = this.options.i18n.getFixedT(locale);
    const html = this.options.renderer.render(
      view,
      {
        ...data,
        principal,
        isAdmin: principal?.kind === 'admin',
        isClient: principal?.kind === 'client',
        csrfToken: this.csrfToken(req),
        currentPath: req.originalUrl,
        nav: this.options.navigation(principal).map((item) => ({ ...item, label: t(item.labelKey) })),
        title: data.titleKey ? t(String(data.titleKey), (data.titleParams ?? {}) as Record<string, unknown>) : data.title,
      },
      { locale },
    );
    res.status(status).type('html').send(html);
  }

  /** `?lang=zh-CN` switches language and remembers the choice in a cookie. */
  rememberLocaleChoice: RequestHandler = (req, res, next) => {
    const asked = req.query?.lang;
    if (isLocale(asked)) res.cookie(LOCALE_COOKIE, asked, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
    next();
  };

  /** Parses urlencoded forms; state-changing routes also need `verifyCsrf`. */
  readonly formBody: RequestHandler = express.urlencoded({ extended: false, limit: '64kb' });

  requireClient: RequestHandler = (req, _res, next) => {
    const principal = this.principal(req);
    if (!principal) return next(new UnauthenticatedError());
    if (principal.kind !== 'client') return next(new ForbiddenError());
    next();
  };

  requireAdmin: RequestHandler = (req, _res, next) => {
    const principal = this.principal(req);
    if (!principal) return next(new UnauthenticatedError());
    if (principal.kind !== 'admin') return next(new ForbiddenError());
    next();
  };

  /** Refuses a state-changing request without the session's CSRF token (403). */
  verifyCsrf: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const principal = this.principal(req);
    if (!principal) return next(new UnauthenticatedError());
    try {
      this.options.csrf.assert(req, principal.sessionId);
      next();
    } catch (error) {
      next(error);
    }
  };

  /** HTML pages for browsers, JSON for API clients; never a stack trace. */
  errorHandler: ErrorRequestHandler = (rawError: unknown, req: Request, res: Response, _next: NextFunction) => {
    const error = coerceError(rawError);
    if (error.messageKey === 'errors.database_unavailable') {
      this.options.logger.warn({ err: error.cause, path: req.path, method: req.method }, 'database unavailable');
    } else if (error.status >= 500) {
      this.options.logger.error({ err: error.cause ?? error, path: req.path, method: req.method }, 'request failed');
    }
    if (error.status === 401 && req.accepts(['html', 'json']) === 'html') {
      return res.redirect(303, `${this.options.loginUrl}?next=${encodeURIComponent(req.originalUrl)}`);
    }
    if (error instanceof AppError && error.status === 429) {
      res.setHeader('Retry-After', String((error as AppError & { retryAfterSeconds?: number }).retryAfterSeconds ?? 60));
    }
    const t = this.t(req);
    const message = t(error.messageKey, error.params);
    if (res.headersSent) return;
    if (req.accepts(['html', 'json']) === 'json' || req.path.startsWith('/api/')) {
      res.status(error.status).json({ error: { code: error.messageKey, message, field: error.field } });
      return;
    }
    this.render(req, res, 'error', { titleKey: 'errors.title', message, status: error.status }, error.status);
  };
}

/** Wraps an async route so a rejection reaches the error handler (Express 5 does this too). */
export function route(handler: (req: Request, res: Response) => Promise<void> | void): RequestHandler {
  return async (req, res, next) => {
    try {
      await handler(req, res);
    } catch (error) {
      next(error);
    }
  };
}
