import os from 'node:os';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/support/until.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { JobQueue } from './job-queue.ts';
import { JobWorker } from './job-worker.ts';
import type { JobHandler } from './job-types.ts';

const db = useMigratedDatabase();

// A test that fails midway must not leave its worker claiming the next test's jobs.
const workers: JobWorker[] = [];
afterEach(async () => {
  await Promise.race([Promise.all(workers.splice(0).map((worker) => worker.stop())), new Promise((resolve) => setTimeout(resolve, 2000))]);
});


function setup(concurrency: number, handler: JobHandler, pollIntervalMs = 20) {
  const clock = new FakeClock();
  const queue = new JobQueue(db.knex, clock, { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 });
  const worker = new JobWorker(queue, { T: handler }, { concurrency, pollIntervalMs, leaseMs: 60_000, logger: pino({ level: 'silent' }), onDead: async () => {} });
  workers.push(worker);
  return { clock, queue, worker };
}

/** Enqueues jobs named j0, j1, … due one second apart, so they are claimed in that order. */
async function enqueueInOrder(queue: JobQueue, clock: FakeClock, count: number): Promise<void> {
  const first = clock.now().getTime() - count * 1000;
  for (let i = 0; i < count; i++) await queue.enqueue('T', `j${i}`, { name: `j${i}` }, { runAt: new Date(first + i * 1000) });
}

describe('a job worker claiming jobs', () => {
  it('hands back the jobs of a claim that was still on its way when it was stopped, without preparing or running them', async () => {
    let runs = 0;
    let prefetches = 0;
    const { clock, queue, worker } = setup(2, {
      async run() {
        runs++;
      },
      prefetch() {
        prefetches++;
      },
    });
    await enqueueInOrder(queue, clock, 3);
    worker.start();
    // The first claim is already in flight when the stop arrives.
    await worker.stop();
    expect(runs).toBe(0);
    expect(prefetches).toBe(0);
    const rows = await db.knex('dt_jobs').orderBy('key').select('key', 'status', 'attempts', 'locked_by', 'lease_expires_at');
    expect(rows).toEqual(['j0', 'j1', 'j2'].map((key) => ({ key, status: 'queued', attempts: 0, locked_by: null, lease_expires_at: null })));
    // Another worker gets them at once, not after a lease runs out.
    expect((await queue.claim('next-worker', 5)).map((job) => job.key).sort()).toEqual(['j0', 'j1', 'j2']);
  });

  it('stops at once when stopped while it claims from an empty queue, however long its poll interval', async () => {
    const { worker } = setup(2, { run: async () => {} }, 10_000);
    worker.start();
    const began = Date.now();
    await worker.stop();
    expect(Date.now() - began).toBeLessThan(1000);
  });

  it('lets the handler prepare the jobs it keeps ready while the slots are busy', async () => {
    let mayFinish!: () => void;
    const finishing = new Promise<void>((resolve) => (mayFinish = resolve));
    const events: string[] = [];
    const { clock, queue, worker } = setup(1, {
      async run(payload) {
        events.push(`run ${payload.name}`);
        if (payload.name === 'j0') await finishing;
      },
      prefetch(job) {
        events.push(`prepare ${job.payload.name}`);
      },
    });
    await enqueueInOrder(queue, clock, 3);
    worker.start();
    await until(() => events.length === 4, 'the claimed jobs to be prepared');
    expect([...events].sort()).toEqual(['prepare j0', 'prepare j1', 'prepare j2', 'run j0']);
    mayFinish();
    await until(() => events.length === 6, 'every job to run');
    await worker.stop();
    expect(events.slice(4)).toEqual(['run j1', 'run j2']);
  });

  it('under load claims a whole slot-count of jobs at a time, not one claim per finished job', async () => {
    const gates = new Map<string, () => void>();
    const started: string[] = [];
    const { clock, queue, worker } = setup(2, {
      async run(payload) {
        const name = String(payload.name);
        started.push(name);
        await new Promise<void>((resolve) => gates.set(name, resolve));
      },
    });
    await enqueueInOrder(queue, clock, 18);
    const isDone = async (key: string) => (await db.knex('dt_jobs').where({ key }).first()).status === 'done';
    worker.start();
    await until(() => started.length === 2 && gates.size === 2, 'two jobs to start');
    // Jobs finish one at a time, each freeing its slot for a job kept ready.
    for (let finished = 0; finished < 18; finished++) {
      const name = started[finished]!;
      await until(() => gates.has(name), `${name} to run`);
      gates.get(name)!();
      await until(() => isDone(name), `${name} to be done`);
      await until(() => started.length >= Math.min(18, finished + 3), 'the next job to start');
    }
    await worker.stop();

    expect(started).toEqual(Array.from({ length: 18 }, (_, i) => `j${i}`));
    // Each claim leases its jobs under a token of its own.
    const claims = await db.knex('dt_jobs').select('locked_by').count({ n: '*' }).groupBy('locked_by');
    const sizes = claims.map((claim) => Number(claim.n)).sort((a, b) => b - a);
    expect(sizes.reduce((sum, n) => sum + n, 0)).toBe(18);
    // The first claim fills every slot and the ready jobs (three per slot); later ones top up
    // two at a time, once two jobs have finished.
    expect(sizes).toEqual([6, 2, 2, 2, 2, 2, 2]);
  });
});

describe('a worker’s name', () => {
  it('is the one given, or this host and process with a random part that tells two apart', async () => {
    const queue = new JobQueue(db.knex, new FakeClock(), { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs: 60_000 });
    const options = { concurrency: 1, pollIntervalMs: 20, leaseMs: 60_000, logger: pino({ level: 'silent' }), onDead: async () => {} };
    const unnamed = [new JobWorker(queue, {}, options), new JobWorker(queue, {}, options)];
    for (const worker of unnamed) expect(worker.workerId).toMatch(new RegExp(`^${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{6}$`));
    expect(unnamed[0]!.workerId).not.toBe(unnamed[1]!.workerId);
    expect(new JobWorker(queue, {}, { ...options, workerId: 'worker-7' }).workerId).toBe('worker-7');
  });
});

describe('a worker waiting for work', () => {
  it('starts a job enqueued in this process at once, not at its next poll', async () => {
    const ran: string[] = [];
    const { queue, worker } = setup(1, { run: async (payload) => void ran.push(String(payload.name)) }, 60_000);
    worker.start();
    // Let the first (empty) claim pass, so the worker is asleep until its next poll a minute away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.enqueue('T', 'now', { name: 'now' });
    await until(() => ran.length === 1, 'the job enqueued to run', 3000);
    expect(ran).toEqual(['now']);
  });
});
