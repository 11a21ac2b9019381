import type { Request, Response } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { TransferRefusedError } from '../transfer-in/transfer-eligibility.service.ts';
import { EPP_CODE_MAX_LENGTH } from '../transfer-in/domain-name.ts';

function clientId(pages: PageKit, req: Request): string {
  const principal = pages.principal(req);
  if (principal?.kind !== 'client') throw new NotFoundError();
  return principal.clientId;
}

/** GET/POST /client/order/domain?action=transfer */
export function transferOrderRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  const prices = () => Object.entries(services.eligibility.prices()).map(([tld, amountMinor]) => ({ tld, amountMinor }));

  const renderForm = (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) =>
    pages.render(req, res, 'client/transfer-order', { titleKey: 'transfer:order.title', pagePath: `${req.baseUrl}/order/domain?action=transfer`, prices: prices(), currency: services.eligibility.currency(), maxCodeLength: EPP_CODE_MAX_LENGTH, ...extra }, status);

  on('GET', '/order/domain', (req, res) => {
    if (req.query.action !== 'transfer') throw new NotFoundError();
    renderForm(req, res, { domain: typeof req.query.domain === 'string' ? req.query.domain.slice(0, 253) : '' });
  });

  on('POST', '/order/domain', async (req, res) => {
    if (req.query.action !== 'transfer' && req.body?.action !== 'transfer') throw new NotFoundError();
    const body = { ...(req.body ?? {}) };
    try {
      const { invoiceUrl } = await services.transferOrders.placeOrder(clientId(pages, req), body);
      if (req.accepts(['html', 'json']) === 'json') {
        res.status(201).json({ invoiceUrl });
        return;
      }
      res.redirect(303, invoiceUrl);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500 || req.accepts(['html', 'json']) === 'json') throw error;
      const t = pages.t(req);
      const reasons = error instanceof TransferRefusedError ? error.reasons.map((r) => t(`rules:${r.rule}`, r.params)) : [t(error.messageKey, error.params)];
      // The EPP code is never echoed back into the page.
      renderForm(req, res, { domain: typeof body.domain === 'string' ? body.domain.slice(0, 253) : '', errorField: error.field, reasons }, error.status);
    }
  });
}
