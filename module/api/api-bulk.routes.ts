import { Readable } from 'node:stream';
import type { Router } from 'express';
import type { ModuleServices } from '../module-services.ts';
import type { BulkImportLine } from '../bulk/bulk-import.service.ts';
import { ForbiddenError, InputError } from '../errors.ts';
import { callerOf, handle, need } from './api-actions.routes.ts';
import { checkBody } from './request-bodies.ts';

const OUTCOMES: ReadonlyArray<BulkImportLine['outcome']> = ['accepted', 'refused', 'unchecked'];

/**
 * Bulk transfer imports over the API, as on Admin → Bulk transfers: the CSV text in, an import
 * id out at once; the import's progress and each row's result; then its confirmation. For
 * keys not bound to a client (a file may name many clients).
 */
export function apiBulkRoutes(router: Router, services: ModuleServices): void {
  const staffOnly = (res: Parameters<typeof callerOf>[0]) => {
    if (callerOf(res).clientId) throw new ForbiddenError('api:errors.staff_only');
  };

  router.post(
    '/bulk-imports',
    need('bulk:write'),
    handle(async (req, res) => {
      staffOnly(res);
      const body = checkBody<{ csv: string; clientId?: string | number }>('BulkImportRequest', req.body);
      const created = await services.bulkImports.createFromCsv(Readable.from([Buffer.from(body.csv, 'utf8')]), {
        actor: `api:${callerOf(res).prefix}`,
        defaultClientId: body.clientId === undefined ? undefined : String(body.clientId),
      });
      res.status(202).location(`${req.baseUrl}/bulk-imports/${created.public_id}`).json({ importId: created.public_id, status: created.status, totalRows: created.total_rows });
    }),
  );

  router.get(
    '/bulk-imports/:importId',
    need('bulk:write'),
    handle(async (req, res) => {
      staffOnly(res);
      const bulk = await services.bulkImports.byPublicId(String(req.params.importId));
      const outcome = OUTCOMES.find((o) => o === req.query.outcome);
      const after = req.query.after === undefined ? 0 : Number(req.query.after);
      if (!Number.isSafeInteger(after) || after < 0) throw new InputError('api:errors.cursor_invalid', {}, 'after');
      const lines = await services.bulkImports.lines(bulk.id, { outcome, afterLine: after, limit: 501 });
      const shown = lines.slice(0, 500);
      res.json({
        importId: bulk.public_id,
        status: bulk.status,
        totalRows: bulk.total_rows,
        checkedRows: bulk.checked_rows,
        counts: await services.bulkImports.outcomes(bulk.id),
        expiresAt: new Date(Number(bulk.expires_at)).toISOString(),
        rows: shown.map((line) => ({ line: line.line, domain: line.domain, clientId: line.client_id, outcome: line.outcome, reason: line.reason_key, params: line.reason_params ? JSON.parse(line.reason_params) : {} })),
        next: lines.length > 500 ? String(shown.at(-1)!.line) : null,
      });
    }),
  );

  router.post(
    '/bulk-imports/:importId/confirm',
    need('bulk:write'),
    handle(async (req, res) => {
      staffOnly(res);
      const bulk = await services.bulkImports.confirm(String(req.params.importId), `api:${callerOf(res).prefix}`);
      res.status(202).json({ importId: bulk.public_id, status: bulk.status });
    }),
  );
}
