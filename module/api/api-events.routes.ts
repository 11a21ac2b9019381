import type { Router } from 'express';
import type { ModuleServices } from '../module-services.ts';
import { InputError } from '../errors.ts';
import { callerOf, handle, need } from './api-actions.routes.ts';

/**
 * Events are served once they are this old: a transaction that took its id earlier may commit
 * a moment after a later one, and a reader that had moved past the later id would never see it.
 */
export const FEED_SETTLE_MS = 5_000;
const MAX_LIMIT = 500;

/**
 * GET /events?after=CURSOR: the hooks' typed events (domain.transfer.requested, …completed,
 * …cancelled, domain.transferred_away, …) in the order they happened, for a system that follows
 * transfers without being a plugin. `next` is the cursor to ask with next time; a client-bound
 * key sees its client's events only.
 */
export function apiEventRoutes(router: Router, services: ModuleServices): void {
  router.get(
    '/events',
    need('domains:read'),
    handle(async (req, res) => {
      const caller = callerOf(res);
      const after = req.query.after === undefined || req.query.after === '' ? 0 : Number(req.query.after);
      if (!Number.isSafeInteger(after) || after < 0) throw new InputError('api:errors.cursor_invalid', {}, 'after');
      const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new InputError('api:errors.limit_invalid', { max: MAX_LIMIT }, 'limit');
      const settled = services.clock.now().getTime() - FEED_SETTLE_MS;
      const query = services.knex('dt_events').where('id', '>', after).andWhere('created_at', '<=', settled).orderBy('id').limit(limit).select('id', 'name', 'payload');
      if (caller.clientId) query.where('client_id', caller.clientId);
      const rows: Array<{ id: number | string; name: string; payload: string }> = await query;
      res.json({
        data: rows.map((row) => ({ cursor: String(row.id), name: row.name, ...(JSON.parse(row.payload) as Record<string, unknown>) })),
        next: rows.length ? String(rows.at(-1)!.id) : String(after),
      });
    }),
  );
}
