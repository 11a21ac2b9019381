import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../host-context.ts';
import { engineOf, insertRows, WRITE_BATCHES_IN_FLIGHT } from '../database.ts';
import type { ClaimedJob } from './job-types.ts';
import { Batcher } from './batcher.ts';

export interface JobQueueOptions {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  leaseMs: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'dead';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'done', 'dead'];

export interface JobRow {
  id: number;
  key: string;
  type: string;
  payload: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_at: number | null;
  locked_by: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** A job to add: its type, unique key, payload and, when not at once, when it is due. */
export interface JobSpec {
  type: string;
  key: string;
  payload: Record<string, unknown>;
  runAt?: Date;
}

/** Capped exponential backoff with "equal jitter": between half and all of the capped delay. */
export function backoffDelayMs(attempt: number, baseMs: number, capMs: number, random = Math.random): number {
  const capped = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped / 2 + random() * (capped / 2));
}

/**
 * The durable job table. A job's unique key makes enqueueing idempotent: duplicate or
 * concurrent requests for the same key leave one row.
 */
export class JobQueue {
  private readonly listeners = new Set<() => void>();
  // A busy worker finishes jobs every few milliseconds: one UPDATE marks them all done.
  private readonly completions: Batcher<ClaimedJob, boolean>;
  private readonly starts: Batcher<ClaimedJob, boolean>;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly options: JobQueueOptions,
  ) {
    this.completions = new Batcher((jobs) => this.completeMany(this.knex, jobs), { maxInFlight: WRITE_BATCHES_IN_FLIGHT, maxBatch: 500 });
    this.starts = new Batcher((jobs) => this.startMany(jobs), { maxInFlight: WRITE_BATCHES_IN_FLIGHT, maxBatch: 500 });
  }

  /** Inserts the job unless one with the same key exists. Returns true when this call created it. */
  async enqueue(
    type: string,
    key: string,
    payload: Record<string, unknown>,
    opts: { runAt?: Date; maxAttempts?: number; trx?: Knex.Transaction } = {},
  ): Promise<boolean> {
    const now = this.clock.now().getTime();
    const db = opts.trx ?? this.knex;
    const insert = db('dt_jobs')
      .insert({
        key,
        type,
        payload: JSON.stringify(payload),
        status: 'queued',
        attempts: 0,
        max_attempts: opts.maxAttempts ?? this.options.maxAttempts,
        run_at: opts.runAt?.getTime() ?? now,
        created_at: now,
        updated_at: now,
      })
      .onConflict('key')
      .ignore();
    // SQLite reports the previous rowid for an ignored insert, so ask for the new id instead;
    // MySQL's INSERT IGNORE reports insertId 0 when the key existed.
    const created =
      engineOf(this.knex) === 'sqlite'
        ? ((await insert.returning('id')) as unknown[]).length > 0
        : Number(((await insert) as unknown as number[])[0]) > 0;
    if (created && !opts.trx) this.wake();
    return created;
  }

  /**
   * Adds several jobs with one statement in the caller's transaction; a key that exists already
   * is left as it is. For writers that queue a few jobs with every outcome they record.
   */
  async enqueueAll(trx: Knex.Transaction, jobs: ReadonlyArray<JobSpec | undefined>): Promise<void> {
    const now = this.clock.now().getTime();
    const rows = jobs
      .filter((job): job is JobSpec => job !== undefined)
      .map((job) => ({
        key: job.key,
        type: job.type,
        payload: JSON.stringify(job.payload),
        status: 'queued',
        attempts: 0,
        max_attempts: this.options.maxAttempts,
        run_at: job.runAt?.getTime() ?? now,
        created_at: now,
        updated_at: now,
      }));
    await insertRows(trx, 'dt_jobs', rows, { ignoreDuplicates: true });
  }

  /** Lets in-process workers start at once instead of waiting for their next poll. */
  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wake(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Leases up to `limit` due jobs (queued and due, or running with an expired lease, which
   * means their worker died). MySQL/MariaDB: FOR UPDATE SKIP LOCKED, so concurrent workers
   * never wait on each other's rows. SQLite: one atomic UPDATE … RETURNING under its single writer.
   */
  async claim(workerId: string, limit: number): Promise<ClaimedJob[]> {
    if (limit <= 0) return [];
    const now = this.clock.now().getTime();
    const token = `${workerId}/${crypto.randomBytes(6).toString('hex')}`;
    const lease = { status: 'running', locked_by: token, locked_at: now, lease_expires_at: now + this.options.leaseMs, updated_at: now };
    let rows: JobRow[];
    if (engineOf(this.knex) === 'mysql') {
      // Two index-ordered picks instead of one OR: with ORDER BY served by the index, InnoDB
      // stops after `limit` unlocked rows rather than locking every due row for a filesort.
      rows = await this.knex.transaction(
        async (trx) => {
          const queued: JobRow[] = await trx('dt_jobs')
            .select('*')
            .where('status', 'queued')
            .andWhere('run_at', '<=', now)
            .orderBy('run_at')
            .limit(limit)
            .forUpdate()
            .skipLocked();
          const expired: JobRow[] =
            queued.length < limit
              ? await trx('dt_jobs')
                  .select('*')
                  .where('status', 'running')
                  .andWhere('lease_expires_at', '<', now)
                  .orderBy('lease_expires_at')
                  .limit(limit - queued.length)
                  .forUpdate()
                  .skipLocked()
              : [];
          const picked = [...queued, ...expired];
          if (!picked.length) return [];
          // The rows are locked, so what we write is what they now hold: no need to read them back.
          await trx('dt_jobs').whereIn('id', picked.map((r) => r.id)).update(lease);
          return picked.map((row) => ({ ...row, ...lease }) as JobRow);
        },
        { isolationLevel: 'read committed' },
      );
    } else {
      // SQLite has one writer, so each UPDATE … RETURNING is atomic on its own. Two index-served
      // picks (due jobs by run_at, then expired leases) keep a claim cheap on a long table.
      const pick = (status: string, column: string, max: number) =>
        this.knex('dt_jobs').select('id').where('status', status).andWhere(column, status === 'queued' ? '<=' : '<', now).orderBy(column).limit(max);
      const lease1 = (await this.knex('dt_jobs')
        .whereIn('id', pick('queued', 'run_at', limit))
        .update(lease)
        .returning('*')) as JobRow[];
      const lease2 =
        lease1.length < limit
          ? ((await this.knex('dt_jobs')
              .whereIn('id', pick('running', 'lease_expires_at', limit - lease1.length))
              .where('status', 'running')
              .update(lease)
              .returning('*')) as JobRow[])
          : [];
      rows = [...lease1, ...lease2];
    }
    return rows.map((row) => ({
      id: Number(row.id),
      key: row.key,
      type: row.type,
      payload: JSON.parse(row.payload),
      // The attempt this claim is for; it counts once its handler starts (JobQueue.start).
      attempts: Number(row.attempts) + 1,
      maxAttempts: Number(row.max_attempts),
      lockedBy: token,
      runAt: Number(row.run_at),
      leaseExpiresAt: now + this.options.leaseMs,
    }));
  }

  /**
   * Counts the attempt of a job whose handler is about to run, fenced by its lease: false when
   * the lease was lost meanwhile and the job must not run. Jobs a worker held and never started
   * (it was killed, or stopped) keep their attempts. Starts in one turn share one UPDATE.
   */
  async start(job: ClaimedJob): Promise<boolean> {
    return this.starts.submit(job);
  }

  private async startMany(jobs: ClaimedJob[]): Promise<boolean[]> {
    const now = this.clock.now().getTime();
    const updated = await this.fencedBy(this.knex('dt_jobs').where('status', 'running'), jobs).update({ attempts: this.knex.raw('attempts + 1'), updated_at: now });
    if (updated === jobs.length) return jobs.map(() => true);
    const ours = new Set((await this.fencedBy(this.knex('dt_jobs').where('status', 'running'), jobs).select('id', 'locked_by')).map((r: { id: number; locked_by: string }) => `${r.id}/${r.locked_by}`));
    return jobs.map((job) => ours.has(`${job.id}/${job.lockedBy}`));
  }

  /** Extends the leases of jobs still in our hands, in one statement; returns how many were ours. */
  async heartbeat(jobs: ClaimedJob[]): Promise<number> {
    if (!jobs.length) return 0;
    const now = this.clock.now().getTime();
    const renewed = await this.fencedBy(this.knex('dt_jobs').where('status', 'running'), jobs).update({ lease_expires_at: now + this.options.leaseMs, updated_at: now });
    // Only when every lease was renewed do we know which ones: otherwise none is taken as moved.
    if (renewed === jobs.length) for (const job of jobs) job.leaseExpiresAt = now + this.options.leaseMs;
    return renewed;
  }

  /**
   * True while at least half of the job's lease is left: no other worker can claim it before
   * the count of its attempt (JobQueue.start) has long been written.
   */
  holdsFirmly(job: ClaimedJob): boolean {
    return job.leaseExpiresAt - this.clock.now().getTime() > this.options.leaseMs / 2;
  }

  /** Narrows a query to these jobs under the lease tokens they were claimed with, led by the primary key. */
  private fencedBy(query: Knex.QueryBuilder, jobs: ClaimedJob[]): Knex.QueryBuilder {
    return query.whereIn('id', jobs.map((job) => job.id)).where((any) => {
      for (const [token, ids] of groupByToken(jobs)) any.orWhere((group) => group.where('locked_by', token).whereIn('id', ids));
    });
  }

  /** Marks the job done, fenced by our lease token. Jobs finishing together share one UPDATE. */
  async complete(job: ClaimedJob): Promise<boolean> {
    return this.completions.submit(job);
  }

  /**
   * Marks jobs done inside the caller's transaction, so a handler's outcome and its job's
   * completion commit together. A job whose lease was lost is left alone.
   */
  async completeIn(trx: Knex.Transaction, jobs: ClaimedJob[]): Promise<boolean[]> {
    return this.completeMany(trx, jobs);
  }

  /** One fenced UPDATE for many jobs; each job's own answer is read back only when some lease was lost. */
  private async completeMany(db: Knex | Knex.Transaction, jobs: ClaimedJob[]): Promise<boolean[]> {
    if (!jobs.length) return [];
    const now = this.clock.now().getTime();
    const updated = await this.fencedBy(db('dt_jobs').where('status', 'running'), jobs).update({ status: 'done', finished_at: now, updated_at: now, lease_expires_at: null, last_error: null });
    if (updated === jobs.length) return jobs.map(() => true);
    const done = new Set((await this.fencedBy(db('dt_jobs').where('status', 'done'), jobs).select('id', 'locked_by')).map((r: { id: number; locked_by: string }) => `${r.id}/${r.locked_by}`));
    return jobs.map((job) => done.has(`${job.id}/${job.lockedBy}`));
  }

  /** Hands back jobs claimed but never started: due again at once (their attempt never counted). */
  async release(jobs: ClaimedJob[]): Promise<void> {
    if (!jobs.length) return;
    const now = this.clock.now().getTime();
    await this.fencedBy(this.knex('dt_jobs').where('status', 'running'), jobs).update({
      status: 'queued',
      locked_by: null,
      lease_expires_at: null,
      updated_at: now,
    });
  }

  /**
   * Schedules a retry with backoff, or buries the job when attempts are used up. Returns the new
   * status. `uncounted`: the attempt failed on our own database (a lock wait, an outage), not on
   * the job's work, so it is given back and cannot bury the job.
   */
  async fail(job: ClaimedJob, error: string, options: { uncounted?: boolean } = {}): Promise<'queued' | 'dead' | 'lost'> {
    const now = this.clock.now().getTime();
    const dead = !options.uncounted && job.attempts >= job.maxAttempts;
    const retryAt = now + backoffDelayMs(Math.max(1, job.attempts), this.options.backoffBaseMs, this.options.backoffCapMs);
    const patch = dead
      ? { status: 'dead', finished_at: now }
      : { status: 'queued', run_at: retryAt, ...(options.uncounted ? { attempts: this.knex.raw('case when attempts > 0 then attempts - 1 else 0 end') } : {}) };
    const updated = await this.knex('dt_jobs')
      .where({ id: job.id, locked_by: job.lockedBy, status: 'running' })
      .update({ ...patch, last_error: error.slice(0, 2000), locked_by: null, lease_expires_at: null, updated_at: now });
    if (updated !== 1) return 'lost';
    return dead ? 'dead' : 'queued';
  }

  /** Admin retry of a dead (or finished) job: a fresh set of attempts, due now. */
  async retry(id: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const updated = await this.knex('dt_jobs')
      .where({ id })
      .whereIn('status', ['dead'])
      .update({ status: 'queued', attempts: 0, run_at: now, last_error: null, finished_at: null, updated_at: now });
    if (updated === 1) this.wake();
    return updated === 1;
  }

  async get(id: number): Promise<JobRow | undefined> {
    return this.knex('dt_jobs').where({ id }).first();
  }

  async list(filter: { status?: JobStatus; limit?: number } = {}): Promise<JobRow[]> {
    const q = this.knex('dt_jobs').orderBy('id', 'desc').limit(filter.limit ?? 100);
    if (filter.status) q.where('status', filter.status);
    return q;
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const rows: Array<{ status: JobStatus; n: number | string }> = await this.knex('dt_jobs').select('status').count({ n: '*' }).groupBy('status');
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, dead: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }
}

/** Job ids by the lease token they were claimed under. */
function groupByToken(jobs: ClaimedJob[]): Map<string, number[]> {
  const byToken = new Map<string, number[]>();
  for (const job of jobs) byToken.set(job.lockedBy, [...(byToken.get(job.lockedBy) ?? []), job.id]);
  return byToken;
}
