import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { insertRows } from '../database.ts';
import { ConflictError, InputError, NotFoundError } from '../errors.ts';
import { applyDomainFilter, type DomainListFilter } from '../domains/domain-list.query.ts';

export const BULK_DOMAIN_ACTION_JOB = 'BulkDomainActionJob';

/** What can be done to a selection, and the permission each needs (as the single action). */
export const BULK_DOMAIN_ACTIONS = {
  retry_transfer: 'domains.transfer.manage',
  sync: 'sync.run',
  lock: 'domains.transfer_out.manage',
  unlock: 'domains.transfer_out.manage',
} as const;
export type BulkDomainAction = keyof typeof BULK_DOMAIN_ACTIONS;

export type BulkItemOutcome = 'pending' | 'succeeded' | 'failed' | 'skipped';

export interface BulkActionRow {
  id: number;
  public_id: string;
  action: BulkDomainAction;
  filter: string;
  created_by: string;
  status: 'running' | 'done';
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  created_at: number;
  finished_at: number | null;
}

export interface BulkActionItem {
  id: number;
  domain: string;
  outcome: BulkItemOutcome;
  result_key: string | null;
  result_params: string | null;
}

const PAGE = 1000;

/**
 * Bulk actions on the admin's filtered Domains list: the selection is fixed as items when the
 * action is asked for, then BulkDomainActionJob does each through the same service as the
 * single action and keeps each domain's result.
 */
export class BulkDomainActions {
  constructor(private readonly deps: { knex: Knex; clock: Clock; queue: JobQueue; maxDomains: number }) {}

  /** How many domains one action may cover (bulk.maxActionDomains). */
  get maxDomains(): number {
    return this.deps.maxDomains;
  }

  async create(input: { action: string; filter: DomainListFilter; filterText: string; actor: string }): Promise<BulkActionRow> {
    const { knex, clock, queue, maxDomains } = this.deps;
    if (!(input.action in BULK_DOMAIN_ACTIONS)) throw new InputError('bulk_actions:errors.unknown_action', { action: input.action.slice(0, 32) }, 'action');
    const selected: Array<{ id: number; domain: string }> = [];
    for (let afterId = 0; ; ) {
      const page: Array<{ id: number; domain: string }> = await applyDomainFilter(knex('dt_domains').select('id', 'domain'), input.filter).andWhere('id', '>', afterId).orderBy('id').limit(PAGE);
      selected.push(...page);
      if (selected.length > maxDomains) throw new ConflictError('bulk_actions:errors.too_many', { max: maxDomains.toLocaleString('en') });
      if (page.length < PAGE) break;
      afterId = page.at(-1)!.id;
    }
    if (!selected.length) throw new ConflictError('bulk_actions:errors.none_selected');
    const now = clock.now().getTime();
    const id = await knex.transaction(async (trx) => {
      const [created] = await trx('dt_bulk_actions').insert({
        public_id: crypto.randomBytes(12).toString('base64url'),
        action: input.action,
        filter: input.filterText.slice(0, 2000),
        created_by: input.actor.slice(0, 128),
        status: 'running',
        total: selected.length,
        created_at: now,
        updated_at: now,
      });
      const actionId = Number(created);
      await insertRows(trx, 'dt_bulk_action_items', selected.map((d) => ({ action_id: actionId, domain_id: d.id, domain: d.domain, outcome: 'pending' })));
      await queue.enqueue(BULK_DOMAIN_ACTION_JOB, `bulk-action:${actionId}`, { actionId }, { trx });
      return actionId;
    });
    queue.wake();
    return (await knex('dt_bulk_actions').where({ id }).first()) as BulkActionRow;
  }

  async byPublicId(publicId: string): Promise<BulkActionRow> {
    const row = await this.deps.knex('dt_bulk_actions').where({ public_id: publicId }).first();
    if (!row) throw new NotFoundError();
    return row as BulkActionRow;
  }

  async recent(limit = 20): Promise<BulkActionRow[]> {
    return this.deps.knex('dt_bulk_actions').orderBy('id', 'desc').limit(limit);
  }

  /** A page of the action's items in the order they were selected, optionally one outcome only. */
  async items(actionId: number, options: { outcome?: BulkItemOutcome; afterId?: number; limit?: number } = {}): Promise<BulkActionItem[]> {
    const q = this.deps.knex('dt_bulk_action_items')
      .where({ action_id: actionId })
      .andWhere('id', '>', options.afterId ?? 0)
      .orderBy('id')
      .limit(options.limit ?? 100)
      .select('id', 'domain', 'outcome', 'result_key', 'result_params');
    if (options.outcome) q.where('outcome', options.outcome);
    return q;
  }
}
