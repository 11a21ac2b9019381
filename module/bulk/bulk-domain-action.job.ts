import type { Knex } from 'knex';
import type { Logger } from 'pino';
import pLimit from 'p-limit';
import type { AdminPrincipal, Clock } from '../host-context.ts';
import type { JobHandler } from '../jobs/job-types.ts';
import type { SyncRunService } from '../sync/sync-run.service.ts';
import type { TransferOrderService } from '../transfer-in/transfer-order.service.ts';
import type { TransferOutService } from '../transfer-out/transfer-out.service.ts';
import { AppError } from '../errors.ts';
import type { BulkActionRow, BulkDomainAction, BulkItemOutcome } from './bulk-domain-actions.ts';

const PAGE = 500;

interface Result {
  outcome: Exclude<BulkItemOutcome, 'pending'>;
  key: string;
  params?: Record<string, unknown>;
}

export interface BulkDomainActionDeps {
  knex: Knex;
  clock: Clock;
  logger: Logger;
  transferOrders: Pick<TransferOrderService, 'adminDispatch'>;
  syncRunner: Pick<SyncRunService, 'run'>;
  transferOut: Pick<TransferOutService, 'setLock'>;
  concurrency: number;
}

/**
 * BulkDomainActionJob: does an admin's bulk action to each selected domain through the same
 * service as the single action (an admin's dispatch, a one-domain sync, a lock change), a few
 * at a time, and records each domain's result as it comes. A refusal (not retryable, not
 * ours, the registrar unreachable) is that domain's result; anything else fails the attempt,
 * and the next one carries on with the domains still pending.
 */
export function createBulkDomainActionJob(deps: BulkDomainActionDeps): JobHandler {
  const { knex, clock } = deps;
  return {
    async run(payload) {
      const action = (await knex('dt_bulk_actions').where({ id: Number(payload.actionId) }).first()) as BulkActionRow | undefined;
      if (!action || action.status !== 'running') return;
      const limit = pLimit(deps.concurrency);
      for (;;) {
        const items: Array<{ id: number; domain: string }> = await knex('dt_bulk_action_items').where({ action_id: action.id, outcome: 'pending' }).orderBy('id').limit(PAGE).select('id', 'domain');
        if (!items.length) break;
        await Promise.all(items.map((item) => limit(async () => record(knex, action.id, item.id, await doOne(deps, action, item.domain), clock.now().getTime()))));
      }
      const now = clock.now().getTime();
      await knex('dt_bulk_actions').where({ id: action.id, status: 'running' }).update({ status: 'done', finished_at: now, updated_at: now });
    },
  };
}

async function doOne(deps: BulkDomainActionDeps, action: BulkActionRow, domain: string): Promise<Result> {
  const actor = `${action.created_by} (bulk ${action.public_id})`;
  try {
    switch (action.action as BulkDomainAction) {
      case 'retry_transfer':
        await deps.transferOrders.adminDispatch(domain, actor);
        return { outcome: 'succeeded', key: 'bulk_actions:result.dispatched' };
      case 'sync': {
        const summary = await deps.syncRunner.run({ mode: 'full', trigger: 'admin', actor, domain });
        const change = summary.changes[0];
        if (change) return { outcome: 'succeeded', key: `bulk_actions:result.sync_${change.kind}` };
        if (summary.errors) return { outcome: 'failed', key: 'bulk_actions:result.sync_error', params: { code: Object.keys(summary.errorsByCode)[0] ?? 'internal' } };
        if (summary.skipped) return { outcome: 'skipped', key: 'bulk_actions:result.sync_skipped', params: { reason: Object.keys(summary.skippedByReason)[0] ?? '' } };
        return { outcome: 'succeeded', key: 'bulk_actions:result.sync_unchanged' };
      }
      case 'lock':
      case 'unlock': {
        const { state } = await deps.transferOut.setLock({ principal: principalOf(action) }, domain, action.action === 'lock');
        return { outcome: 'succeeded', key: `bulk_actions:result.lock_${state}` };
      }
    }
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { outcome: error.status === 404 ? 'skipped' : 'failed', key: error.status === 404 ? 'bulk_actions:result.gone' : error.messageKey, params: error.params };
    if (error instanceof AppError) return { outcome: 'failed', key: error.messageKey, params: error.params };
    throw error;
  }
  return { outcome: 'failed', key: 'bulk_actions:errors.unknown_action', params: { action: action.action } };
}

/** The admin who asked, as the single action would see them; their permission was checked then. */
function principalOf(action: BulkActionRow): AdminPrincipal {
  return { kind: 'admin', adminId: action.created_by.replace(/^admin:/, ''), sessionId: `bulk-action:${action.public_id}`, permissions: '*' };
}

async function record(knex: Knex, actionId: number, itemId: number, result: Result, now: number): Promise<void> {
  await knex.transaction(async (trx) => {
    const changed = await trx('dt_bulk_action_items')
      .where({ id: itemId, outcome: 'pending' })
      .update({ outcome: result.outcome, result_key: result.key.slice(0, 96), result_params: result.params ? JSON.stringify(result.params) : null });
    if (changed) await trx('dt_bulk_actions').where({ id: actionId }).update({ [result.outcome]: trx.raw('?? + 1', [result.outcome]), updated_at: now });
  });
}
