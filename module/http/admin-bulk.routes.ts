import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import type { BulkImportLine } from '../bulk/bulk-import.service.ts';
import { NotFoundError } from '../errors.ts';
import { toUnicode } from '../transfer-in/domain-name.ts';
import { receiveBulkUpload } from './bulk-upload.ts';

const OUTCOMES: Array<BulkImportLine['outcome']> = ['accepted', 'refused', 'unchecked'];
const PAGE = 100;

/** Admin → Bulk transfers: a CSV (uploaded or pasted) becomes a checked preview, row by row. */
export function adminBulkRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  on('GET', '/bulk-transfers', async (req, res) => {
    const recent = await services.knex('dt_bulk_imports').orderBy('id', 'desc').limit(20);
    pages.render(req, res, 'admin/bulk-upload', { titleKey: 'bulk:title', recent, maxMB: Math.round(services.bulkImports.maxBytes / 1_048_576), maxRows: services.bulkImports.maxRows.toLocaleString('en') });
  });

  on('POST', '/bulk-transfers', async (req, res) => {
    const principal = pages.principal(req);
    if (principal?.kind !== 'admin') throw new NotFoundError();
    const upload = await receiveBulkUpload(req, services.bulkImports.maxBytes);
    try {
      const created = await services.bulkImports.createFromCsv(upload.content, { actor: `admin:${principal.adminId}`, defaultClientId: upload.client });
      await upload.finished;
      res.redirect(303, `${req.baseUrl}/bulk-transfers/${created.public_id}`);
    } catch (error) {
      // The rest of a refused upload is read and dropped, so the answer reaches the browser.
      upload.content.resume();
      req.resume();
      throw error;
    }
  });

  on('POST', '/bulk-transfers/:bulkId/confirm', async (req, res) => {
    const principal = pages.principal(req);
    if (principal?.kind !== 'admin') throw new NotFoundError();
    const bulk = await services.bulkImports.confirm(String(req.params.bulkId), `admin:${principal.adminId}`);
    res.redirect(303, `${req.baseUrl}/bulk-transfers/${bulk.public_id}`);
  });

  on('GET', '/bulk-transfers/:bulkId', async (req, res) => {
    const bulk = await services.bulkImports.byPublicId(String(req.params.bulkId));
    const outcome = OUTCOMES.find((o) => o === req.query.outcome);
    const afterLine = Number(req.query.after ?? 0);
    const lines = await services.bulkImports.lines(bulk.id, { outcome, afterLine: Number.isSafeInteger(afterLine) && afterLine > 0 ? afterLine : 0, limit: PAGE + 1 });
    const counts = await services.bulkImports.outcomes(bulk.id);
    const orders = bulk.status === 'confirming' || bulk.status === 'confirmed' ? await services.bulkImports.ordersOf(bulk.id) : [];
    const placed = orders.reduce((sum, order) => sum + order.domains, 0);
    const shown = lines.slice(0, PAGE);
    const names = await services.clientNames([...orders.map((order) => order.client_id), ...shown.flatMap((line) => (line.client_id && line.reason_key !== 'bulk:row.unknown_client' ? [line.client_id] : []))]);
    pages.render(req, res, 'admin/bulk-preview', {
      titleKey: 'bulk:preview_title',
      bulk,
      checking: bulk.status === 'checking',
      running: bulk.status === 'checking' || bulk.status === 'confirming',
      // While rows are checked or ordered the page refreshes itself (every few seconds without JavaScript).
      refreshSeconds: bulk.status === 'checking' || bulk.status === 'confirming' ? 3 : undefined,
      confirmable: bulk.status === 'ready' && bulk.accepted_rows > 0,
      placed,
      orders: orders.map((order) => ({ ...order, clientName: names.get(order.client_id) ?? order.client_id })),
      checkedPercent: bulk.total_rows ? Math.floor((bulk.checked_rows / bulk.total_rows) * 100) : 100,
      counts,
      outcome,
      outcomes: OUTCOMES.map((o) => ({ value: o, count: counts[o], selected: o === outcome })),
      lines: shown.map((line) => {
        const params = line.reason_params ? (JSON.parse(line.reason_params) as Record<string, unknown>) : {};
        return { ...line, unicode: toUnicode(line.domain), clientName: line.client_id ? names.get(line.client_id) : undefined, params, reasons: Array.isArray(params.reasons) ? params.reasons : undefined };
      }),
      nextHref: lines.length > PAGE ? `?${new URLSearchParams({ ...(outcome ? { outcome } : {}), after: String(shown.at(-1)!.line) })}` : undefined,
    });
  });
}
