import type { Request, Response } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import type { Principal } from '../host-context.ts';
import { AppError, NotFoundError, RateLimitedError } from '../errors.ts';
import type { DomainView } from '../domains/domain.queries.ts';
import type { EppCodeDelivery, PendingAction } from '../transfer-out/transfer-out.service.ts';
import type { TokenUse } from '../transfer-out/issue-once.tokens.ts';
import { confirmFirst } from './confirm-step.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { domainParam } from './domain-page.ts';
import { renderDomainPage } from './domain-page.ts';

export const PENDING_ACTIONS: readonly PendingAction[] = ['cancel', 'approve', 'reject'];
const NOTICES = new Set(['locked', 'unlocked', 'lock_requested', 'transfer_out_cancel', 'transfer_out_approve', 'transfer_out_reject']);

/**
 * What the domain-transfer-out partial renders, translated for the reader. Undefined when
 * transfer-out does not apply (a transfer-in that has not arrived yet).
 */
export async function transferOutSection(
  pages: PageKit,
  services: ModuleServices,
  req: Request,
  principal: Principal,
  view: DomainView,
  extra: { eppCode?: EppCodeDelivery; codeMessage?: { kind: 'error' | 'info'; text: string } } = {},
): Promise<Record<string, unknown> | undefined> {
  if (!view.domain) return undefined;
  const overview = await services.transferOut.overview(principal, view.name);
  if (overview.phase === 'not_ours_yet') return undefined;
  const t = pages.t(req);
  const notice = typeof req.query.notice === 'string' && NOTICES.has(req.query.notice) ? req.query.notice : undefined;
  return {
    ...overview,
    basePath: `${req.baseUrl}/domains/${overview.domain}`,
    transferredAway: overview.phase === 'transferred_away',
    rules: overview.eligibility.rows.map((row) => ({
      state: row.state,
      label: t(`transfer_out:rules.${row.id}`, { days: row.days }),
      reasons: row.reasons.map((r) => t(`rules:${r.rule}`, r.params)),
    })),
    eligible: overview.eligibility.eligible === true,
    eligibilityUnknown: overview.eligibility.eligible === null,
    anyPendingAction: overview.capabilities.cancel || overview.capabilities.approve || overview.capabilities.reject,
    notice: notice ? t(`transfer_out:notice.${notice}`) : undefined,
    eppCode: extra.eppCode,
    codeMessage: extra.codeMessage,
    issueToken: services.issueOnce.issue(principal, view.name),
    activity: principal.kind === 'admin' ? await services.transferOut.activity(principal, view.name) : undefined,
    authCodes: principal.kind === 'admin' ? await services.codes.history(view.name) : undefined,
  };
}

/** The code goes out in this one response; no cache or back-button history may keep it. */
export function forbidCaching(res: Response): void {
  res.setHeader('Cache-Control', 'no-store, max-age=0');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Expires', '0');
}

/**
 * Transfer-out on /client/domains/:domain and /admin/domains/:domain: lock, unlock, Get EPP
 * Code, and a pending transfer-out. The service decides what each principal may do (a client
 * only their own domains; an admin any, audited).
 */
export function transferOutRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices, side: Principal['kind']): void {
  const principalOf = (req: Request): Principal => {
    const principal = pages.principal(req);
    if (principal?.kind !== side) throw new NotFoundError();
    return principal;
  };
  const pageOf = (req: Request, domain: string) => `${req.baseUrl}/domains/${domain}`;

  for (const locked of [true, false]) {
    on('POST', `/domains/:domain/${locked ? 'lock' : 'unlock'}`, async (req, res) => {
      const domain = domainParam(req);
      const { state } = await services.transferOut.setLock({ principal: principalOf(req), req }, domain, locked);
      res.redirect(303, `${pageOf(req, domain)}?notice=${state === 'requested' ? 'lock_requested' : state}#transfer-out`);
    });
  }

  /**
   * Get EPP Code. The form's one-time token makes a reload (or a second click) show when the
   * code was issued instead of fetching another one; a refusal (the hourly limit, a rule not
   * met) is shown on the domain page itself.
   */
  on('POST', '/domains/:domain/epp-code', async (req, res) => {
    const principal = principalOf(req);
    const domain = domainParam(req);
    const t = pages.t(req);
    const again = async (codeMessage: { kind: 'error' | 'info'; text: string }, status: number) => {
      forbidCaching(res);
      await renderDomainPage(pages, services, req, res, principal, await services.domains.viewFor(principal, domain), { codeMessage, status });
    };
    let use: TokenUse | undefined;
    const checkToken = async () => {
      use = await services.issueOnce.use(req.body?.issue, principal, domain);
      if (use.kind !== 'fresh') throw new AppError(use.kind === 'invalid' ? 422 : 409, 'transfer_out:code.form_token');
    };
    let eppCode: EppCodeDelivery;
    try {
      eppCode = await services.transferOut.requestEppCode({ principal, req }, domain, checkToken);
    } catch (error) {
      if (use?.kind === 'invalid') return again({ kind: 'error', text: t('transfer_out:code.form_expired') }, 422);
      if (use?.kind === 'replayed') return again({ kind: 'info', text: t('transfer_out:code.already_issued', { time: pages.dateTime(req, use.issuedAt) }) }, 409);
      if (!(error instanceof AppError) || error.status >= 500 || error.status === 404) throw error;
      if (error instanceof RateLimitedError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      return again({ kind: 'error', text: t(error.messageKey, error.params) }, error.status);
    }
    if (use?.kind === 'fresh') await use.complete();
    const view = await services.domains.viewFor(principal, domain);
    forbidCaching(res);
    await renderDomainPage(pages, services, req, res, principal, view, { eppCode });
  });

  for (const action of PENDING_ACTIONS) {
    const confirm = confirmFirst(pages, async (req) => {
      const domain = domainParam(req);
      await services.domains.viewFor(principalOf(req), domain);
      return { questionKey: `transfer_out:pending.confirm.${action}`, params: { domain: toUnicode(domain), gaining: String(req.body?.gaining ?? '').slice(0, 128) || '?' }, back: `${pageOf(req, domain)}#transfer-out` };
    });
    on('POST', `/domains/:domain/transfer-out/${action}`, confirm, async (req, res) => {
      const domain = domainParam(req);
      const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
      await services.transferOut.resolvePending({ principal: principalOf(req), req }, domain, action, reason);
      res.redirect(303, `${pageOf(req, domain)}?notice=transfer_out_${action}#transfer-out`);
    });
  }
}
