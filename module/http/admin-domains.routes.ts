import type { Request } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { DOMAIN_STATUSES } from '../domains/domain-status.machine.ts';
import { domainParam, renderDomainPage } from './domain-page.ts';
import { cancelConfirmed, renderCancelConfirmation } from './transfer-cancel.ts';

function adminActor(pages: PageKit, req: Request): string {
  const principal = pages.principal(req);
  if (principal?.kind !== 'admin') throw new NotFoundError();
  return `admin:${principal.adminId}`;
}

/** Admin → Domains: every client's domains, their log and history, and the Transfer action. */
export function adminDomainRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('GET', '/domains', async (req, res) => {
    const status = typeof req.query.status === 'string' && (DOMAIN_STATUSES as readonly string[]).includes(req.query.status) ? req.query.status : undefined;
    const search = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : undefined;
    const [domains, counts] = await Promise.all([services.domains.listAll({ status, search }), services.domains.countsByStatus()]);
    const names = await services.clientNames(domains.map((d) => d.client_id));
    pages.render(req, res, 'admin/domains', {
      titleKey: 'domains:admin.title',
      domains: domains.map((d) => ({ ...d, unicode: toUnicode(d.domain), clientName: names.get(d.client_id) ?? d.client_id })),
      counts: DOMAIN_STATUSES.map((s) => ({ status: s, count: counts[s] ?? 0, selected: s === status })),
      search,
    });
  });

  on('GET', '/domains/:domain', async (req, res) => {
    const principal = pages.principal(req)!;
    await renderDomainPage(pages, services, req, res, principal, await services.domains.viewFor(principal, domainParam(req)));
  });

  /** Admin → Services → [domain service] → Actions → Transfer: dispatches a new job. */
  on('POST', '/domains/:domain/transfer', async (req, res) => {
    const actor = adminActor(pages, req);
    const domain = domainParam(req);
    await services.transferOrders.adminDispatch(domain, actor);
    res.redirect(303, `${req.baseUrl}/domains/${domain}?notice=dispatched`);
  });

  on('GET', '/domains/:domain/transfer/cancel', async (req, res) => {
    adminActor(pages, req);
    await renderCancelConfirmation(pages, services, req, res, pages.principal(req)!, domainParam(req));
  });

  on('POST', '/domains/:domain/transfer/cancel', async (req, res) => {
    const actor = adminActor(pages, req);
    const domain = domainParam(req);
    if (!cancelConfirmed(req)) return renderCancelConfirmation(pages, services, req, res, pages.principal(req)!, domain);
    await services.transferOrders.cancel(domain, actor);
    res.redirect(303, `${req.baseUrl}/domains/${domain}?notice=cancelled`);
  });

  /** billing.onPaidTransferEnded "admin_decides": credit the client through the host's billing. */
  on('POST', '/domains/:domain/settlement/credit', async (req, res) => {
    const actor = adminActor(pages, req);
    const domain = domainParam(req);
    await services.settlements.adminCredit(await latestOrderId(domain), actor);
    res.redirect(303, `${req.baseUrl}/domains/${domain}?notice=credit_requested#payment`);
  });

  /** ... or record that the money went back another way, with a note the client sees. */
  on('POST', '/domains/:domain/settlement/settled-elsewhere', async (req, res) => {
    const actor = adminActor(pages, req);
    const domain = domainParam(req);
    const note = typeof req.body?.note === 'string' ? req.body.note.trim() : '';
    if (!note) throw new InputError('settlement:errors.note_required', {}, 'note');
    await services.settlements.settleElsewhere(await latestOrderId(domain), actor, note);
    res.redirect(303, `${req.baseUrl}/domains/${domain}?notice=settled#payment`);
  });

  async function latestOrderId(domain: string): Promise<number> {
    const order = await services.knex('dt_transfer_orders').where({ domain }).orderBy('id', 'desc').first('id');
    if (!order) throw new NotFoundError();
    return Number(order.id);
  }
}
