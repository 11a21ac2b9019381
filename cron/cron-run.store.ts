import type { Knex } from 'knex';
import type { Clock } from '../module/host-context.ts';
import { engineOf, insertReturningId } from '../module/database.ts';

export type CronRunStatus = 'running' | 'succeeded' | 'failed' | 'lost';
export type CronTrigger = 'schedule' | 'catch-up' | 'cli' | 'admin' | 'host';

export interface CronRunRow {
  id: number;
  task: string;
  slotAt: Date | null;
  trigger: CronTrigger;
  status: CronRunStatus;
  owner: string;
  leaseExpiresAt: Date;
  takeovers: number;
  domain: string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
}

const TABLE = 'dt_cron_runs';

/**
 * The run table. Times come from the injected clock, so every instance (and every test)
 * judges lease expiry by the same clock it schedules by.
 */
export class CronRunStore {
  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
  ) {}

  /**
   * Claims a scheduled slot. The insert either wins the unique (task, slot_at) key or finds a
   * row: a finished run, a live lease (another instance is on it) or an expired lease, which
   * is taken over by a conditional update so only one of several instances can succeed.
   */
  async claimSlot(task: string, slotAt: Date, owner: string, leaseMs: number, trigger: CronTrigger): Promise<number | null> {
    const now = this.clock.now().getTime();
    const row = this.newRow(task, slotAt.getTime(), owner, now + leaseMs, trigger, now);
    const insert = this.knex(TABLE).insert(row).onConflict(['task', 'slot_at']).ignore();
    // SQLite's ignored insert returns no row with RETURNING; MySQL's INSERT IGNORE reports id 0.
    const won = engineOf(this.knex) === 'sqlite' ? ((await insert.returning('id')) as Array<{ id: number } | number>)[0] : (await insert)[0];
    const wonId = typeof won === 'object' ? won?.id : won;
    if (wonId) return Number(wonId);
    const existing = await this.knex(TABLE).where({ task, slot_at: slotAt.getTime() }).first('id', 'owner', 'status', 'lease_expires_at');
    if (!existing) return null;
    if (existing.status !== 'running' || Number(existing.lease_expires_at) > now) return null;
    const taken = await this.knex(TABLE)
      .where({ id: existing.id, status: 'running', owner: existing.owner })
      .where('lease_expires_at', '<=', now)
      .update({ owner, trigger: 'catch-up', lease_expires_at: now + leaseMs, heartbeat_at: now, takeovers: this.knex.raw('takeovers + 1') });
    return taken === 1 ? Number(existing.id) : null;
  }

  /** A manual run (CLI, admin): no slot, but a lease all the same so the page can show it live. */
  async startManual(task: string, owner: string, leaseMs: number, trigger: CronTrigger, domain: string | null): Promise<number> {
    const now = this.clock.now().getTime();
    return insertReturningId(this.knex, TABLE, { ...this.newRow(task, null, owner, now + leaseMs, trigger, now), domain });
  }

  /** Extends the lease; false when the run is no longer ours (taken over, or finished elsewhere). */
  /** The summary so far of a run in progress (shown by the admin page while it runs). */
  async saveProgress(id: number, owner: string, summaryJson: string): Promise<void> {
    await this.knex(TABLE).where({ id, owner, status: 'running' }).update({ summary: summaryJson });
  }

  async renew(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const updated = await this.knex(TABLE).where({ id, owner, status: 'running' }).update({ lease_expires_at: now + leaseMs, heartbeat_at: now });
    return updated === 1;
  }

  async finish(id: number, owner: string, status: Exclude<CronRunStatus, 'running'>, summary: object | null, error: string | null): Promise<boolean> {
    const updated = await this.knex(TABLE)
      .where({ id, owner, status: 'running' })
      .update({ status, summary: summary ? JSON.stringify(summary) : null, error: error?.slice(0, 4000) ?? null, finished_at: this.clock.now().getTime() });
    return updated === 1;
  }

  /** Marks a run lost without owning it (the runner's lease was taken); keeps what it had. */
  async markLost(id: number, owner: string, summary: object | null): Promise<void> {
    await this.knex(TABLE)
      .where({ id, owner, status: 'running' })
      .update({ status: 'lost', summary: summary ? JSON.stringify(summary) : null, finished_at: this.clock.now().getTime() });
  }

  /** Gives the lease up without finishing (shutdown): the run can be taken over at once. */
  async release(id: number, owner: string, summary: object | null): Promise<void> {
    await this.knex(TABLE)
      .where({ id, owner, status: 'running' })
      .update({ lease_expires_at: this.clock.now().getTime(), summary: summary ? JSON.stringify(summary) : null });
  }

  async findSlot(task: string, slotAt: Date): Promise<CronRunRow | null> {
    const row = await this.knex(TABLE).where({ task, slot_at: slotAt.getTime() }).first();
    return row ? toRun(row) : null;
  }

  /** A run of `task` holding a live lease, if any. */
  async live(task: string): Promise<CronRunRow | null> {
    const row = await this.knex(TABLE).where({ task, status: 'running' }).where('lease_expires_at', '>', this.clock.now().getTime()).orderBy('id', 'desc').first();
    return row ? toRun(row) : null;
  }

  async get(id: number): Promise<CronRunRow | null> {
    const row = await this.knex(TABLE).where({ id }).first();
    return row ? toRun(row) : null;
  }

  async recent(tasks: string[], limit = 20): Promise<CronRunRow[]> {
    const rows = await this.knex(TABLE).whereIn('task', tasks).orderBy('id', 'desc').limit(limit);
    return rows.map(toRun);
  }

  /** Frequent tasks (the hourly pending check) would grow the table without bound. */
  async prune(task: string, olderThan: Date): Promise<number> {
    return this.knex(TABLE).where({ task }).whereNot({ status: 'running' }).where('started_at', '<', olderThan.getTime()).del();
  }

  private newRow(task: string, slotAt: number | null, owner: string, leaseExpiresAt: number, trigger: CronTrigger, now: number) {
    return { task, slot_at: slotAt, trigger, status: 'running', owner, lease_expires_at: leaseExpiresAt, takeovers: 0, started_at: now, heartbeat_at: now };
  }
}

function toRun(row: Record<string, any>): CronRunRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));
  return {
    id: Number(row.id),
    task: row.task,
    slotAt: date(row.slot_at),
    trigger: row.trigger,
    status: row.status,
    owner: row.owner,
    leaseExpiresAt: date(row.lease_expires_at)!,
    takeovers: Number(row.takeovers),
    domain: row.domain ?? null,
    summary: row.summary ? JSON.parse(row.summary) : null,
    error: row.error ?? null,
    startedAt: date(row.started_at)!,
    heartbeatAt: date(row.heartbeat_at)!,
    finishedAt: date(row.finished_at),
  };
}
