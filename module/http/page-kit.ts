import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { TFunction } from 'i18next';
import type { Logger } from 'pino';
import type { HostContext, Principal } from '../host-context.ts';
import { ForbiddenError, UnauthenticatedError } from '../errors.ts';
import { LOCALE_COOKIE, type Languages, type Locale } from '../i18n.ts';
import type { CsrfTokens } from './csrf.ts';
import { formatDate, type ViewRenderer } from './view-renderer.ts';
import { PrincipalResolver } from './principal-resolver.ts';
import { createErrorHandler } from './error-page.ts';
import { SCRIPT, STYLESHEET, type ModuleAssets } from './module-assets.ts';

export interface NavItem {
  href: string;
  /** Message key, translated at render time. */
  labelKey: string;
}

/** Where the host mounted the module's two routers. */
export interface MountPaths {
  client: string;
  admin: string;
}

export interface PageKitOptions {
  renderer: ViewRenderer;
  languages: Languages;
  csrf: CsrfTokens;
  auth: HostContext['auth'];
  logger: Logger;
  defaultLocale: Locale;
  loginUrl: string;
  /** The brand link and the error page's way out. */
  homeUrl: string;
  /** Where the layout's "Log out" form posts; no form without it. */
  logoutUrl?: string;
  /** The mounts the host declared; a request inside a module router uses its own `req.baseUrl`. */
  mounts: MountPaths;
  /** Links in the page header for this principal. */
  navigation: (principal: Principal | null, mounts: MountPaths) => NavItem[];
  /** IANA zone dates and times are shown in. */
  timeZone: string;
  /** The stylesheet and script the layout links. */
  assets: ModuleAssets;
  /** Where the host serves `assets` to everyone; unset, pages link the ones their router serves. */
  assetsPath?: string;
}

/**
 * Everything a route needs to answer with a page: who is asking, in which language, the
 * CSRF token, where the module is mounted, and one error handler that turns any failure
 * into a translated 4xx page.
 */
export class PageKit {
  private readonly principals: PrincipalResolver;
  /** The router (client or admin) serving a request, and the path it is mounted at. */
  private readonly mountOf = new WeakMap<Request, { side: keyof MountPaths; base: string }>();
  private readonly warnedMounts = new Set<string>();

  /** Serves the layout's stylesheet and script (see `ui.assetsPath`); needs no login. */
  readonly assets: Router;

  constructor(private readonly options: PageKitOptions) {
    this.principals = new PrincipalResolver(options.auth, options.logger);
    this.assets = options.assets.router();
  }

  /**
   * First middleware of each module router: remembers where it is mounted, so its links, form
   * actions and redirects follow `req.baseUrl` wherever the host put it.
   */
  mountedAs(side: keyof MountPaths): RequestHandler {
    return (req, _res, next) => {
      this.mountOf.set(req, { side, base: req.baseUrl });
      const declared = this.options.mounts[side];
      if (req.baseUrl !== declared && !this.warnedMounts.has(`${side}:${req.baseUrl}`)) {
        this.warnedMounts.add(`${side}:${req.baseUrl}`);
        this.options.logger.warn(
          { side, mountedAt: req.baseUrl, declared },
          `the ${side} router is mounted at "${req.baseUrl}" but ui.mountPaths.${side} says "${declared}": pages follow the mount, header links on host pages and links in messages follow ui.mountPaths`,
        );
      }
      next();
    };
  }

  /** Where the module's client and admin pages are, as seen from this request. */
  mounts(req: Request): MountPaths {
    const here = this.mountOf.get(req);
    return here ? { ...this.options.mounts, [here.side]: here.base } : { ...this.options.mounts };
  }

  /** The mount path of the router serving this request (`/client` when it is not a module router). */
  base(req: Request): string {
    return this.mountOf.get(req)?.base ?? this.options.mounts.client;
  }

  /**
   * Asks the host's auth (sync or async) once per request. The module's routers run it first;
   * a host that renders its own pages with this kit puts it in front of them too.
   */
  authenticate: RequestHandler = (req, res, next) => {
    this.principals.resolve(req).then(
      (principal) => {
        // Nothing shown to a logged-in person may outlive the session in a cache or the back button.
        if (principal) res.setHeader('Cache-Control', 'no-store');
        next();
      },
      (error: unknown) => next(error),
    );
  };

  /** Who is asking, as `authenticate` found it (null before it ran or when nobody is logged in). */
  principal(req: Request): Principal | null {
    return this.principals.known(req);
  }

  /** An admin may do this: their permissions are `'*'` or name it. */
  can(req: Request, permission: string): boolean {
    const principal = this.principal(req);
    return principal?.kind === 'admin' && (principal.permissions === '*' || principal.permissions.includes(permission));
  }

  /** Refuses (403) an admin whose permissions do not include `permission`. */
  requirePermission(permission: string): RequestHandler {
    return (req, _res, next) => {
      if (!this.principal(req)) return next(new UnauthenticatedError());
      if (!this.can(req, permission)) return next(new ForbiddenError('errors.permission_missing', { permission }));
      next();
    };
  }

  locale(req: Request): Locale {
    return (
      this.options.languages.match(req.query?.lang) ??
      this.options.languages.pick(req.headers as Record<string, string>, this.principal(req)?.locale, this.options.defaultLocale)
    );
  }

  t(req: Request): TFunction {
    return this.options.languages.i18n.getFixedT(this.locale(req));
  }

  /** A date and time as pages show it: the reader's language, the configured zone. */
  dateTime(req: Request, value: Date): string {
    return formatDate(value, 'datetime', this.locale(req), this.options.timeZone);
  }

  csrfToken(req: Request): string {
    const principal = this.principal(req);
    return principal ? this.options.csrf.tokenFor(principal.sessionId) : '';
  }

  render(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
    const principal = this.principal(req);
    const locale = this.locale(req);
    const t = this.options.languages.i18n.getFixedT(locale);
    const mounts = this.mounts(req);
    const html = this.options.renderer.render(
      view,
      {
        ...data,
        principal,
        isAdmin: principal?.kind === 'admin',
        isClient: principal?.kind === 'client',
        csrfToken: this.csrfToken(req),
        currentPath: req.originalUrl,
        base: this.base(req),
        clientBase: mounts.client,
        adminBase: mounts.admin,
        homeUrl: this.options.homeUrl,
        logoutUrl: this.options.logoutUrl,
        timeZone: this.options.timeZone,
        languages: this.languageLinks(req, locale, data.pagePath as string | undefined),
        nav: this.navItems(req, principal, mounts, t),
        assetUrls: this.assetUrls(req, principal, mounts),
        title: data.titleKey ? t(String(data.titleKey), (data.titleParams ?? {}) as Record<string, unknown>) : data.title,
      },
      { locale },
    );
    res.status(status).type('html').send(html);
  }

  /**
   * The layout's stylesheet and script. Without `assetsPath`, the router serving the page
   * serves them too (`<mount>/assets/`); a host's own page links those of the router its
   * reader may enter, since a host usually keeps clients out of /admin and admins out of /client.
   */
  private assetUrls(req: Request, principal: Principal | null, mounts: MountPaths): { stylesheet: string; script: string } {
    const base = this.options.assetsPath ?? `${this.mountOf.get(req)?.base ?? (principal?.kind === 'admin' ? mounts.admin : mounts.client)}/assets`;
    return { stylesheet: this.options.assets.url(base, STYLESHEET), script: this.options.assets.url(base, SCRIPT) };
  }

  /** The header links; the one for this page (the longest that contains it) is marked current. */
  private navItems(req: Request, principal: Principal | null, mounts: MountPaths, t: TFunction) {
    const items = this.options.navigation(principal, mounts);
    const current = items.filter((item) => isCurrent(req.originalUrl, item.href)).sort((a, b) => b.href.length - a.href.length)[0];
    return items.map((item) => ({ ...item, label: t(item.labelKey), current: item === current }));
  }

  /**
   * One link per language: this page in that language, its other query parameters kept. A
   * page answering a form post links to `pagePath` (the page the form belongs to), or to where
   * the browser came from, never to the post's own address, which has no page to GET.
   */
  private languageLinks(req: Request, current: Locale, pagePath?: string): Array<{ code: Locale; name: string; href: string; current: boolean }> {
    const page = req.method === 'GET' || req.method === 'HEAD' ? req.originalUrl : (pagePath ?? sameSiteReferer(req) ?? this.options.homeUrl);
    const url = new URL(page, 'http://module.invalid');
    return this.options.languages.locales.map((code) => {
      url.searchParams.set('lang', code);
      return { code, name: this.options.languages.nativeName(code), href: `${url.pathname}${url.search}`, current: code === current };
    });
  }

  /** Keeps the language a page is in for later visits (a host's logout, before the session goes). */
  keepLocale(req: Request, res: Response): void {
    res.cookie(LOCALE_COOKIE, this.locale(req), { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
  }

  /** `?lang=zh-CN` switches language and remembers the choice in a cookie. */
  rememberLocaleChoice: RequestHandler = (req, res, next) => {
    const asked = this.options.languages.match(req.query?.lang);
    if (asked) res.cookie(LOCALE_COOKIE, asked, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
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
      // A file upload's body is read as a stream by its route, after this check: its form
      // carries the token in its action URL instead.
      if (req.is('multipart/form-data')) {
        if (!this.options.csrf.isValid(principal.sessionId, req.query._csrf)) throw new ForbiddenError('errors.csrf');
        return next();
      }
      this.options.csrf.assert(req, principal.sessionId);
      next();
    } catch (error) {
      next(error);
    }
  };

  /** HTML pages for browsers, JSON for API clients; never a stack trace (see error-page.ts). */
  errorHandler: ErrorRequestHandler = createErrorHandler(this, () => ({ logger: this.options.logger, loginUrl: this.options.loginUrl }));
}

/** A header link is the current page when the page is it or below it. */
function isCurrent(page: string, href: string): boolean {
  const path = page.split('?')[0]!;
  const target = href.split('?')[0]!;
  return path === target || path.startsWith(`${target}/`);
}

/** The path and query of the page the browser came from, when it is on this site. */
function sameSiteReferer(req: Request): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    return url.host === req.get('host') ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
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
