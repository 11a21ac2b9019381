import type { Request, Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { transferOutSection } from './client-transfer-out.routes.ts';

function clientOf(pages: PageKit, req: Request) {
  const principal = pages.principal(req);
  if (principal?.kind !== 'client') throw new NotFoundError();
  return principal;
}

/** Domain names in URLs are ASCII; anything that is not a plausible name is simply not found. */
export function domainParam(req: Request): string {
  const raw = String(req.params.domain ?? '').toLowerCase();
  if (!/^[a-z0-9.-]{1,253}$/.test(raw)) throw new NotFoundError();
  return raw;
}

/** /client/domains and /client/domains/:domain (transfer-in side). */
export function clientDomainRoutes(router: Router, pages: PageKit, services: ModuleServices): void {
  router.get('/domains', async (req, res) => {
    const { domains, orders } = await services.domains.listForClient(clientOf(pages, req).clientId);
    pages.render(req, res, 'client/domains', {
      titleKey: 'domains:list.title',
      domains: domains.map((d) => ({ ...d, unicode: toUnicode(d.domain) })),
      orders,
    });
  });

  router.get('/domains/:domain', async (req, res) => {
    const principal = clientOf(pages, req);
    const view = await services.domains.viewFor(principal, domainParam(req));
    pages.render(req, res, 'client/domain', {
      titleKey: 'domains:detail.title',
      titleParams: { domain: toUnicode(view.name) },
      view,
      unicode: toUnicode(view.name),
      awaitingCode: view.order?.status === 'failed',
      cancellable: view.order?.status === 'failed' || view.order?.status === 'awaiting_payment',
      notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
      transferOut: await transferOutSection(pages, services, req, principal, view),
    });
  });

  router.post('/domains/:domain/transfer/auth-code', async (req, res) => {
    const principal = clientOf(pages, req);
    const domain = domainParam(req);
    try {
      await services.transferOrders.resubmitCode(principal.clientId, domain, req.body?.eppCode);
    } catch (error) {
      if (!(error instanceof AppError) || error.status === 404 || error.status >= 500) throw error;
      const view = await services.domains.viewFor(principal, domain);
      const t = pages.t(req);
      pages.render(req, res, 'client/domain', {
        titleKey: 'domains:detail.title',
        titleParams: { domain: toUnicode(domain) },
        view,
        unicode: toUnicode(domain),
        awaitingCode: view.order?.status === 'failed',
        cancellable: view.order?.status === 'failed',
        codeError: t(error.messageKey, error.params),
      }, error.status);
      return;
    }
    res.redirect(303, `/client/domains/${domain}?notice=resubmitted`);
  });

  router.post('/domains/:domain/transfer/cancel', async (req, res) => {
    const principal = clientOf(pages, req);
    const domain = domainParam(req);
    await services.transferOrders.cancel(domain, `client:${principal.clientId}`, principal.clientId);
    res.redirect(303, `/client/domains/${domain}?notice=cancelled`);
  });
}
