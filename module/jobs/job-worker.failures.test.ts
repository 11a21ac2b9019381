import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/support/until.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { createCaptureLogger } from '../../test/support/capture-logger.ts';
import { JobQueue } from './job-queue.ts';
import { JobWorker, type JobWorkerOptions } from './job-worker.ts';
import type { ClaimedJob, JobHandler } from './job-types.ts';

const db = useMigratedDatabase();

// A test that fails midway must not leave its worker claiming the next test's jobs.
const workers: JobWorker[] = [];
afterEach(async () => {
  await Promise.race([Promise.all(workers.splice(0).map((worker) => worker.stop())), new Promise((resolve) => setTimeout(resolve, 2000))]);
});


type LogLine = { level: number; msg: string; err?: { message?: string }; [key: string]: unknown };

function setup(handlers: Record<string, JobHandler>, options: { maxAttempts?: number; leaseMs?: number; onDead?: JobWorkerOptions['onDead'] } = {}) {
  const clock = new FakeClock();
  const leaseMs = options.leaseMs ?? 60_000;
  const queue = new JobQueue(db.knex, clock, { maxAttempts: options.maxAttempts ?? 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs });
  const log = createCaptureLogger();
  const worker = new JobWorker(queue, handlers, { concurrency: 1, pollIntervalMs: 20, leaseMs, logger: log.logger, onDead: options.onDead ?? (async () => {}) });
  workers.push(worker);
  const logged = (msg: string) => (log.entries() as LogLine[]).filter((line) => line.msg === msg);
  return { clock, queue, worker, logged };
}

const jobRow = (key: string) => db.knex('dt_jobs').where({ key }).first();

describe('a job worker meeting failures', () => {
  it('buries a job of a type it has no handler for at once, saying so, and goes on with the others', async () => {
    const ran: string[] = [];
    const { queue, worker } = setup({ T: { run: async (payload) => void ran.push(String(payload.name)) } });
    await queue.enqueue('RetiredJob', 'old', {}, { runAt: new Date(Date.parse('2026-03-02T09:59:59Z')) });
    await queue.enqueue('T', 'current', { name: 'current' });
    worker.start();
    await until(async () => (await jobRow('current')).status === 'done' && (await jobRow('old')).status !== 'running', 'both jobs to be settled');
    await worker.stop();
    expect(ran).toEqual(['current']);
    // Retrying would not help: there is no code to run it.
    expect(await jobRow('old')).toMatchObject({ status: 'dead', last_error: 'no handler for job type RetiredJob', locked_by: null });
  });

  it('keeps a long error message short on the job row, and one of up to 1000 characters whole', async () => {
    const prefix = 'Error: registrar answered ';
    const { queue, worker } = setup({
      T: {
        async run(payload) {
          throw new Error(`registrar answered ${'x'.repeat(Number(payload.length) - prefix.length)}`);
        },
      },
    });
    await queue.enqueue('T', 'long', { length: 5000 });
    await queue.enqueue('T', 'longest-kept', { length: 1000 });
    await worker.runUntilIdle();
    expect(await jobRow('long')).toMatchObject({ status: 'queued', last_error: `${prefix}${'x'.repeat(1000 - prefix.length)}…` });
    expect(await jobRow('longest-kept')).toMatchObject({ status: 'queued', last_error: `${prefix}${'x'.repeat(1000 - prefix.length)}` });
  });

  it('logs a dead job whose follow-up (the alert) failed, naming the job and the reason', async () => {
    const followedUp: string[] = [];
    const { queue, worker, logged } = setup(
      {
        T: {
          async run() {
            throw new Error('registrar refused the transfer');
          },
          async onDead(_payload, error) {
            followedUp.push(error);
          },
        },
      },
      {
        maxAttempts: 1,
        onDead: async () => {
          throw new Error('the pager service is down');
        },
      },
    );
    await queue.enqueue('T', 'a', {});
    await worker.runUntilIdle();
    expect(await jobRow('a')).toMatchObject({ status: 'dead', last_error: 'Error: registrar refused the transfer' });
    expect(followedUp).toEqual(['Error: registrar refused the transfer']);
    const failed = logged('dead-job follow-up failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 50, jobId: Number((await jobRow('a')).id), jobType: 'T', err: { message: 'the pager service is down' } });
  });

  it('warns when another worker took over a job it still runs, and does not overwrite that worker’s lease', async () => {
    let mayFinish!: () => void;
    const finishing = new Promise<void>((resolve) => (mayFinish = resolve));
    const { clock, queue, worker, logged } = setup({ T: { run: () => finishing } }, { leaseMs: 750 });
    await queue.enqueue('T', 'a', {});
    worker.start();
    await until(async () => Number((await jobRow('a')).attempts) === 1, 'the job to start');
    // Seen from another worker whose clock is past the lease (this one was paused, say).
    const later = new FakeClock(new Date(clock.now().getTime() + 10_000));
    const other = new JobQueue(db.knex, later, { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 750 });
    // On MariaDB a claim skips a row locked that instant (by this worker's renewal): it polls again.
    let taken: ClaimedJob | undefined;
    await until(async () => ([taken] = await other.claim('other-worker', 1)).length > 0, 'the other worker to take the job');
    expect(taken!.key).toBe('a');
    await until(() => logged('some job leases were lost; those jobs may run elsewhere').length > 0, 'the lost lease to be noticed');
    mayFinish();
    await worker.stop();
    expect(logged('some job leases were lost; those jobs may run elsewhere')[0]).toMatchObject({ level: 40, held: 1, renewed: 0 });
    const row = await jobRow('a');
    expect(row).toMatchObject({ status: 'running', locked_by: taken!.lockedBy });
    expect(Number(row.lease_expires_at)).toBe(taken!.leaseExpiresAt);
  });
});
