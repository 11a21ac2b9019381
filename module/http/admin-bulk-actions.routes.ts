import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { BULK_DOMAIN_ACTIONS, type BulkDomainAction, type BulkItemOutcome } from '../bulk/bulk-domain-actions.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { parseDomainListQuery } from '../domains/domain-list.query.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { listQueryString, withParams } from './list-links.ts';

const OUTCOMES: BulkItemOutcome[] = ['failed', 'skipped', 'succeeded', 'pending'];
const PAGE = 100;

/** The filters a bulk action carries from the Domains list (not its sort, page or cursor). */
const FILTER_PARAMS = ['status', 'registrar', 'tld', 'client', 'failure', 'q'];

/** Admin → Domains → bulk action on the filtered list, and its progress page. */
export function adminBulkActionRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('POST', '/domains/bulk-action', async (req, res) => {
    const principal = pages.principal(req);
    if (principal?.kind !== 'admin') throw new NotFoundError();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const action = typeof body.action === 'string' ? body.action : '';
    const permission = BULK_DOMAIN_ACTIONS[action as BulkDomainAction];
    if (permission && !pages.can(req, permission)) throw new ForbiddenError('errors.permission_missing', { permission });
    const filterQuery = Object.fromEntries(FILTER_PARAMS.map((name) => [name, body[name]]));
    const filter = parseDomainListQuery(filterQuery);
    const created = await services.bulkActions.create({ action, filter, filterText: withParams(listQueryString(filterQuery), {}), actor: `admin:${principal.adminId}` });
    res.redirect(303, `${req.baseUrl}/bulk-actions/${created.public_id}`);
  });

  on('GET', '/bulk-actions/:actionId', async (req, res) => {
    const action = await services.bulkActions.byPublicId(String(req.params.actionId));
    const outcome = OUTCOMES.find((o) => o === req.query.outcome);
    const afterId = Number(req.query.after ?? 0);
    const items = await services.bulkActions.items(action.id, { outcome, afterId: Number.isSafeInteger(afterId) && afterId > 0 ? afterId : 0, limit: PAGE + 1 });
    const shown = items.slice(0, PAGE);
    const done = action.succeeded + action.failed + action.skipped;
    pages.render(req, res, 'admin/bulk-action', {
      titleKey: 'bulk_actions:title',
      action,
      running: action.status === 'running',
      refreshSeconds: action.status === 'running' ? 3 : undefined,
      done,
      donePercent: action.total ? Math.floor((done / action.total) * 100) : 100,
      filterHref: `${req.baseUrl}/domains?${action.filter}`,
      outcomes: OUTCOMES.map((o) => ({ value: o, count: o === 'pending' ? action.total - done : action[o], selected: o === outcome })),
      items: shown.map((item) => ({ ...item, unicode: toUnicode(item.domain), params: item.result_params ? JSON.parse(item.result_params) : {} })),
      nextHref: items.length > PAGE ? `?${new URLSearchParams({ ...(outcome ? { outcome } : {}), after: String(shown.at(-1)!.id) })}` : undefined,
    });
  });
}
