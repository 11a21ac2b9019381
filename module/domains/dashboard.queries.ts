import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import { DAY_MS } from '../clock.ts';
import { JOB_STATUSES, type JobStatus } from '../jobs/job-queue.ts';
import { PENDING_TASK_ID, SYNC_TASK_ID } from '../sync/sync.feature.ts';
import type { SyncSummary } from '../sync/sync-summary.ts';
import { DOMAIN_STATUSES, type DomainStatus } from './domain-status.machine.ts';
import { REFUSALS_FOR_ADMIN } from '../transfer-in/transfer-order.service.ts';


/** What a transfer-in came to on a day, as the chart shows it. */
export const TRANSFER_OUTCOMES = ['requested', 'completed', 'cancelled'] as const;
export type TransferOutcome = (typeof TRANSFER_OUTCOMES)[number];

/** One UTC day of the chart: its midnight and how many transfers reached each outcome. */
export interface TransfersOnDay {
  day: Date;
  counts: Record<TransferOutcome, number>;
}

/** Paid transfers the registry refused: the order is `failed` until a new dispatch or a cancel. */
export interface FailedTransfers {
  /** The client may still send a corrected EPP code. */
  awaitingCode: number;
  /** Every corrected code allowed was used: only an admin can dispatch it again or cancel it. */
  awaitingAdmin: number;
}

/** The last finished run of the status sync (the daily run or the pending check). */
export interface LastSyncRun {
  id: number;
  task: string;
  trigger: string;
  status: 'succeeded' | 'failed' | 'lost';
  startedAt: Date;
  summary: SyncSummary | null;
  error: string | null;
}

/**
 * The admin dashboard's figures. Every one is a count the database makes over an index range
 * (GROUP BY or COUNT); no row is read into memory but the last sync run's.
 */
export class DashboardQueries {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly limits: { stuckAfterDays: number; codeResubmissionsPerOrder: number },
  ) {}

  get stuckAfterDays(): number {
    return this.limits.stuckAfterDays;
  }

  async domainsByStatus(): Promise<Record<DomainStatus, number>> {
    return this.countBy('dt_domains', DOMAIN_STATUSES);
  }

  async jobsByStatus(): Promise<Record<JobStatus, number>> {
    return this.countBy('dt_jobs', JOB_STATUSES);
  }

  /** Failed orders, split where the product splits them: codes left for the client, or waiting for an admin (codes used up, or a refusal a code cannot cure). */
  async failedTransfers(): Promise<FailedTransfers> {
    const row = (await this.knex('dt_transfer_orders')
      .where({ status: 'failed' })
      .first(
        this.knex.raw('count(*) as failed'),
        this.knex.raw(`sum(case when code_resubmissions >= ? or failure_code in (${[...REFUSALS_FOR_ADMIN.keys()].map(() => '?').join(', ')}) then 1 else 0 end) as used_up`, [this.limits.codeResubmissionsPerOrder, ...REFUSALS_FOR_ADMIN.keys()]),
      )) as { failed: number | string; used_up: number | string | null };
    // An aggregate always answers one row; its sum is null when no order failed.
    const failed = Number(row.failed);
    const awaitingAdmin = Number(row.used_up ?? 0);
    return { awaitingCode: failed - awaitingAdmin, awaitingAdmin };
  }

  /**
   * Transfers pending at the registry for longer than sync.stuckAfterDays. A pending domain
   * with a failure code is a refused transfer waiting for a corrected code, counted by
   * `failedTransfers` instead, so no transfer is counted twice.
   */
  async stuckTransfers(): Promise<number> {
    const before = this.clock.now().getTime() - this.limits.stuckAfterDays * DAY_MS;
    return this.count(this.knex('dt_domains').where({ status: 'pending' }).andWhere('status_changed_at', '<', before).whereNull('failure_code'));
  }

  /** Active domains another registrar has asked for, as the module last saw them (migration 010). */
  async pendingTransferOuts(): Promise<number> {
    return this.count(this.knex('dt_domains').where({ status: 'active' }).whereNotNull('transfer_out_requested_at'));
  }

  /** Manual registrar tasks staff have not completed yet. */
  async openManualTasks(): Promise<number> {
    return this.count(this.knex('dt_manual_tasks').where({ status: 'open' }));
  }

  async lastSyncRun(): Promise<LastSyncRun | null> {
    const row = await this.knex('dt_cron_runs')
      .whereIn('task', [SYNC_TASK_ID, PENDING_TASK_ID])
      .whereNot({ status: 'running' })
      .orderBy('id', 'desc')
      .first('id', 'task', 'trigger', 'status', 'started_at', 'summary', 'error');
    if (!row) return null;
    return {
      id: Number(row.id),
      task: row.task,
      trigger: row.trigger,
      status: row.status,
      startedAt: new Date(Number(row.started_at)),
      summary: row.summary ? (JSON.parse(row.summary) as SyncSummary) : null,
      error: row.error ?? null,
    };
  }

  /**
   * Transfers per UTC day over the last `days` days, today included, from the status history:
   * requested (the domain went pending), completed (pending → active) and cancelled (→
   * cancelled: refused at the registry, or ended by the client, an admin or the expiry). One
   * grouped query over the created_at index (migration 014); days without any are zeros.
   */
  async transfersPerDay(days = 30): Promise<TransfersOnDay[]> {
    const today = Math.floor(this.clock.now().getTime() / DAY_MS) * DAY_MS;
    const from = today - (days - 1) * DAY_MS;
    // A constant, so both engines see the same expression in SELECT and GROUP BY.
    const dayStart = `created_at - (created_at % ${DAY_MS})`;
    const rows: Array<{ to_status: string; from_status: string | null; day_start: number | string; n: number | string }> = await this.knex('dt_domain_status_history')
      .select('to_status', 'from_status', this.knex.raw(`${dayStart} as day_start`))
      .count({ n: '*' })
      .where('created_at', '>=', from)
      .andWhere('created_at', '<', today + DAY_MS)
      .whereIn('to_status', ['pending', 'active', 'cancelled'])
      .groupBy('to_status', 'from_status')
      .groupByRaw(dayStart);
    const result: TransfersOnDay[] = Array.from({ length: days }, (_, i) => ({ day: new Date(from + i * DAY_MS), counts: { requested: 0, completed: 0, cancelled: 0 } }));
    for (const row of rows) {
      const outcome = outcomeOf(row.from_status, row.to_status);
      const index = Math.round((Number(row.day_start) - from) / DAY_MS);
      if (outcome && result[index]) result[index].counts[outcome] += Number(row.n);
    }
    return result;
  }

  private async countBy<S extends string>(table: string, statuses: readonly S[]): Promise<Record<S, number>> {
    const rows: Array<{ status: string; n: number | string }> = await this.knex(table).select('status').count({ n: '*' }).groupBy('status');
    const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
    // The status columns hold only these values (the status machine writes them), so every row has its place.
    for (const row of rows) counts[row.status as S] = Number(row.n);
    return counts;
  }

  private async count(query: Knex.QueryBuilder): Promise<number> {
    // A count always answers one row.
    const row = (await query.count({ n: '*' }).first()) as { n: number | string };
    return Number(row.n);
  }
}

/**
 * A history row as a chart outcome. A pending → pending row is a note (a refused attempt, a
 * corrected code), not a new request; an adopted domain's first row (→ active) is no transfer.
 */
function outcomeOf(from: string | null, to: string): TransferOutcome | undefined {
  if (to === 'pending' && from !== 'pending') return 'requested';
  if (to === 'active' && from === 'pending') return 'completed';
  if (to === 'cancelled') return 'cancelled';
  return undefined;
}
