import type { Request, Response } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { domainParam, renderDomainPage } from './domain-page.ts';
import { cancelConfirmed, renderCancelConfirmation } from './transfer-cancel.ts';
import { resendRegistrantEmail } from '../transfer-in/registrant-email.ts';

function clientOf(pages: PageKit, req: Request) {
  const principal = pages.principal(req);
  if (principal?.kind !== 'client') throw new NotFoundError();
  return principal;
}

/** /client/domains and /client/domains/:domain (transfer-in side). */
export function clientDomainRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('GET', '/domains', async (req, res) => {
    const { domains, orders } = await services.domains.listForClient(clientOf(pages, req).clientId);
    pages.render(req, res, 'client/domains', {
      titleKey: 'domains:list.title',
      domains: domains.map((d) => ({ ...d, unicode: toUnicode(d.domain) })),
      orders: orders.map((o) => ({ ...o, unicode: toUnicode(String(o.domain)) })),
    });
  });

  on('GET', '/domains/:domain', async (req, res) => {
    const principal = clientOf(pages, req);
    await renderDomainPage(pages, services, req, res, principal, await services.domains.viewFor(principal, domainParam(req)));
  });

  /**
   * A client's action on a transfer: done, back to the page with `notice`; refused (a 4xx other
   * than not found), the page again with the reason beside the form it came from.
   */
  async function act(req: Request, res: Response, action: (clientId: string, domain: string) => Promise<void>, refusalIn: 'codeError' | 'emailError', notice: string): Promise<void> {
    const principal = clientOf(pages, req);
    const domain = domainParam(req);
    try {
      await action(principal.clientId, domain);
    } catch (error) {
      if (!(error instanceof AppError) || error.status === 404 || error.status >= 500) throw error;
      const view = await services.domains.viewFor(principal, domain);
      await renderDomainPage(pages, services, req, res, principal, view, { [refusalIn]: pages.t(req)(error.messageKey, error.params), status: error.status });
      return;
    }
    res.redirect(303, `${req.baseUrl}/domains/${domain}?notice=${notice}`);
  }

  on('POST', '/domains/:domain/transfer/auth-code', (req, res) => act(req, res, (clientId, domain) => services.transferOrders.resubmitCode(clientId, domain, req.body?.eppCode), 'codeError', 'resubmitted'));

  /** The registrar's transfer confirmation email again, while the transfer waits on it. */
  on('POST', '/domains/:domain/transfer/resend-email', (req, res) => act(req, res, (clientId, domain) => resendRegistrantEmail(services, { kind: 'client', clientId }, domain), 'emailError', 'email_resent'));

  on('GET', '/domains/:domain/transfer/cancel', async (req, res) => {
    await renderCancelConfirmation(pages, services, req, res, clientOf(pages, req), domainParam(req));
  });

  on('POST', '/domains/:domain/transfer/cancel', async (req, res) => {
    const principal = clientOf(pages, req);
    const domain = domainParam(req);
    if (!cancelConfirmed(req)) return renderCancelConfirmation(pages, services, req, res, principal, domain);
    await services.transferOrders.cancel(domain, `client:${principal.clientId}`, principal.clientId);
    res.redirect(303, `${req.baseUrl}/domains/${domain}?notice=cancelled`);
  });
}
