import type { Request, Router } from 'express';
import type { PageKit } from './page-kit.ts';
import type { ModuleServices } from '../module-services.ts';
import { NotFoundError } from '../errors.ts';
import { domainParam } from './client-domains.routes.ts';
import { forbidCaching, PENDING_ACTIONS } from './client-transfer-out.routes.ts';
import { renderDomainPage } from './domain-page.ts';

function adminOf(pages: PageKit, req: Request) {
  const principal = pages.principal(req);
  if (principal?.kind !== 'admin') throw new NotFoundError();
  return principal;
}

/** Admin → Domains → [domain]: the client's transfer-out actions, for any domain, each audited. */
export function adminTransferOutRoutes(router: Router, pages: PageKit, services: ModuleServices): void {
  for (const locked of [true, false]) {
    router.post(`/domains/:domain/${locked ? 'lock' : 'unlock'}`, async (req, res) => {
      const principal = adminOf(pages, req);
      const domain = domainParam(req);
      const { state } = await services.transferOut.setLock({ principal, req }, domain, locked);
      res.redirect(303, `/admin/domains/${domain}?notice=${state === 'requested' ? 'lock_requested' : state}#transfer-out`);
    });
  }

  router.post('/domains/:domain/epp-code', async (req, res) => {
    const principal = adminOf(pages, req);
    const domain = domainParam(req);
    const eppCode = await services.transferOut.requestEppCode({ principal, req }, domain);
    const view = await services.domains.viewFor(principal, domain);
    forbidCaching(res);
    await renderDomainPage(pages, services, req, res, principal, view, { eppCode });
  });

  for (const action of PENDING_ACTIONS) {
    router.post(`/domains/:domain/transfer-out/${action}`, async (req, res) => {
      const principal = adminOf(pages, req);
      const domain = domainParam(req);
      const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
      await services.transferOut.resolvePending({ principal, req }, domain, action, reason);
      res.redirect(303, `/admin/domains/${domain}?notice=transfer_out_${action}#transfer-out`);
    });
  }
}
