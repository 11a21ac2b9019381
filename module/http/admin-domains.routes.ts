import type { Request } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { DOMAIN_STATUSES } from '../domains/domain-status.machine.ts';
import { DOMAIN_SORTS, listDomains, PAGE_SIZES, parseDomainListQuery } from '../domains/domain-list.query.ts';
import { REGISTRAR_ERROR_CODES } from '../../registrar-adapters/types.ts';
import { streamDomainsCsv } from './domain-list.csv.ts';
import { BULK_DOMAIN_ACTIONS } from '../bulk/bulk-domain-actions.ts';
import { listQueryString, withParams } from './list-links.ts';
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
    const query = parseDomainListQuery(req.query as Record<string, unknown>);
    if (req.query.format === 'csv') return streamDomainsCsv(services.knex, query, services.clientNames, res);
    const [page, counts] = await Promise.all([listDomains(services.knex, query), services.domains.countsByStatus()]);
    const names = await services.clientNames(page.rows.map((d) => d.client_id));
    const current = listQueryString(req.query as Record<string, unknown>);
    pages.render(req, res, 'admin/domains', {
      titleKey: 'domains:admin.title',
      domains: page.rows.map((d) => ({ ...d, unicode: toUnicode(d.domain), clientName: names.get(d.client_id) ?? d.client_id })),
      counts: DOMAIN_STATUSES.map((s) => ({ status: s, count: counts[s] ?? 0, selected: s === query.status })),
      filter: { ...query, q: query.prefix },
      statuses: DOMAIN_STATUSES.map((s) => ({ value: s, selected: s === query.status })),
      registrars: services.registrars.all().map((r) => ({ value: r.id, selected: r.id === query.registrar })),
      failures: REGISTRAR_ERROR_CODES.map((c) => ({ value: c, selected: c === query.failure })),
      sorts: Object.keys(DOMAIN_SORTS).map((s) => ({ value: s, selected: s === query.sort })),
      sizes: PAGE_SIZES.map((n) => ({ value: n, selected: n === query.limit })),
      descending: query.dir === 'desc',
      nextHref: page.next ? `?${withParams(current, { after: page.next })}` : undefined,
      firstHref: query.after ? `?${withParams(current, { after: undefined })}` : undefined,
      csvHref: `?${withParams(current, { after: undefined, format: 'csv' })}`,
      // The bulk actions this admin may take, on what the filter selects (not the page shown).
      bulkActions: Object.entries(BULK_DOMAIN_ACTIONS).filter(([, permission]) => pages.can(req, permission)).map(([action]) => action),
      bulkFilter: ['status', 'registrar', 'tld', 'client', 'failure', 'q'].flatMap((name) => (current.get(name) ? [{ name, value: current.get(name) }] : [])),
      bulkMax: services.bulkActions.maxDomains.toLocaleString('en'),
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
