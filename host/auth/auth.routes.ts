import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { PageKit } from '../../module/index.ts';
import type { AccountRepository } from '../accounts/account.repository.ts';
import { renderPage } from '../http/host-page.ts';
import { accountKeyOf, type LoginThrottle } from './login-throttle.ts';
import { verifyAgainstDecoy, verifyPassword } from './password.hasher.ts';
import { homeOf, safeNext, type SessionUser } from './session.principal.ts';

export const SESSION_COOKIE = 'dt.sid';

/** Login and logout; the only host pages an anonymous visitor can see. */
export function createAuthRouter(deps: { pages: PageKit; accounts: AccountRepository; throttle: LoginThrottle; logger: Logger }): Router {
  const { pages, accounts, throttle, logger } = deps;
  const router = Router();

  router.get('/', (req, res) => res.redirect(303, homeOf(req.session.user)));

  router.get('/login', (req, res) => {
    if (req.session.user) return res.redirect(303, safeNext(req.query.next) ?? homeOf(req.session.user));
    renderPage(pages, req, res, 'host/login', { titleKey: 'host:login.title', email: '', next: safeNext(req.query.next) ?? '' });
  });

  router.post('/login', pages.formBody, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next) ?? '';
    const fail = (status: number, key: string, params: Record<string, unknown> = {}) =>
      renderPage(pages, req, res, 'host/login', { titleKey: 'host:login.title', email, next, error: pages.t(req)(key, params) }, status);

    // There is no session (and so no CSRF token) before login; refusing foreign origins keeps
    // another site from logging a visitor into an account of its choosing.
    if (!sameOrigin(req)) return fail(403, 'host:login.foreign_origin');
    if (!email || !password) return fail(422, 'host:login.missing');
    if (email.length > 191 || password.length > 1024) return fail(401, 'host:login.invalid');

    // Who tried, from where: never the password.
    const tried = { account: accountKeyOf(email), address: req.ip };
    // Checked before the password, and the right one is refused too while the limit holds:
    // otherwise guessing would go on regardless, and the one answer that differs would say
    // which guess was right.
    const attempt = await throttle.begin(email, req.ip);
    if (!attempt.allowed) {
      logger.warn({ event: 'login.throttled', ...tried, limitedBy: attempt.limitedBy, retryAfterSeconds: attempt.retryAfterSeconds }, 'login refused: too many failed attempts');
      res.setHeader('Retry-After', String(attempt.retryAfterSeconds));
      return fail(429, 'host:login.throttled', { count: Math.ceil(attempt.retryAfterSeconds / 60) });
    }

    const user = await accounts.findUserByEmail(email);
    const ok = user ? await verifyPassword(password, user.password_hash) : await verifyAgainstDecoy(password);
    if (!user || !ok) {
      logger.info({ event: 'login.failed', ...tried }, 'login failed');
      return fail(401, 'host:login.invalid');
    }
    await attempt.succeeded();
    const sessionUser: SessionUser = {
      userId: user.id,
      role: user.role,
      clientId: user.client_id ?? undefined,
      name: user.name,
      locale: user.locale ?? undefined,
    };
    // A fresh id on login, so a session id planted before login is worth nothing after it.
    await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
    req.session.user = sessionUser;
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
    await accounts.recordLogin(user.id);
    logger.info({ event: 'login', userId: user.id, role: user.role, address: req.ip }, 'logged in');
    res.redirect(303, next || homeOf(sessionUser));
  });

  router.post('/logout', pages.formBody, pages.verifyCsrf, async (req, res) => {
    // The login page that follows stays in the language the person was using.
    pages.keepLocale(req, res);
    await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/login');
  });

  return router;
}

/** Browsers send Origin on cross-site form posts; its absence (old clients, curl) is allowed. */
function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === req.get('host');
  } catch {
    return false;
  }
}
