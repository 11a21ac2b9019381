import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/until.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { JobQueue } from './job-queue.ts';
import { JobWorker } from './job-worker.ts';
import type { JobHandler } from './job-types.ts';

const db = useMigratedDatabase();

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}


function setup(concurrency: number, handler: JobHandler, leaseMs = 60_000) {
  const clock = new FakeClock();
  const queue = new JobQueue(db.knex, clock, { maxAttempts: 3, backoffBaseMs: 1000, backoffCapMs: 8000, leaseMs });
  const worker = new JobWorker(queue, { T: handler }, { concurrency, pollIntervalMs: 20, leaseMs, logger: pino({ level: 'silent' }), onDead: async () => {} });
  return { clock, queue, worker };
}

const jobRow = (key: string) => db.knex('dt_jobs').where({ key }).first();

describe('a job worker', () => {
  it('starts the next job once a running one gives its slot back, and still waits for the first to finish', async () => {
    const events: string[] = [];
    const firstMayFinish = gate();
    const { queue, worker } = setup(1, {
      async run(payload, context) {
        events.push(`start ${payload.name}`);
        if (payload.name === 'first') {
          context.releaseSlot();
          await firstMayFinish.opened;
        }
        events.push(`end ${payload.name}`);
      },
    });
    await queue.enqueue('T', 'a', { name: 'first' }, { runAt: new Date(Date.parse('2026-03-02T09:59:59Z')) });
    await queue.enqueue('T', 'b', { name: 'second' });
    worker.start();
    await until(() => events.includes('end second'), 'the second job to run');
    expect(events).toEqual(['start first', 'start second', 'end second']);
    expect((await jobRow('a')).status).toBe('running');
    const stopped = worker.stop();
    firstMayFinish.open();
    await stopped;
    expect((await jobRow('a')).status).toBe('done');
    expect((await jobRow('b')).status).toBe('done');
  });

  it('hands back jobs it claimed but never started when stopped, without counting an attempt', async () => {
    const firstMayFinish = gate();
    let started = 0;
    const { queue, worker } = setup(1, {
      async run() {
        started++;
        await firstMayFinish.opened;
      },
    });
    await queue.enqueue('T', 'a', {}, { runAt: new Date(Date.parse('2026-03-02T09:59:59Z')) });
    await queue.enqueue('T', 'b', {});
    worker.start();
    await until(async () => started === 1 && (await jobRow('b')).status === 'running', 'the second job to be claimed and kept ready');
    const stopped = worker.stop();
    firstMayFinish.open();
    await stopped;
    expect(started).toBe(1);
    expect(await jobRow('a')).toMatchObject({ status: 'done', attempts: 1 });
    expect(await jobRow('b')).toMatchObject({ status: 'queued', attempts: 0, locked_by: null, lease_expires_at: null });
  });

  it('counts the attempt of a job whose lease is surely its own while the handler already runs', async () => {
    let seenAttempts = -1;
    const { queue, worker } = setup(1, {
      async run() {
        await until(async () => Number((await jobRow('a')).attempts) === 1, 'the attempt to be counted');
        seenAttempts = Number((await jobRow('a')).attempts);
      },
    });
    await queue.enqueue('T', 'a', {});
    expect(await worker.runUntilIdle()).toBe(1);
    expect(seenAttempts).toBe(1);
    expect(await jobRow('a')).toMatchObject({ status: 'done', attempts: 1 });
  });

  it('does not run a job it kept ready once another worker took it after its lease ran out', async () => {
    const firstMayFinish = gate();
    const ran: string[] = [];
    const { clock, queue, worker } = setup(1, {
      async run(payload) {
        ran.push(String(payload.name));
        if (payload.name === 'first') await firstMayFinish.opened;
      },
    });
    await queue.enqueue('T', 'a', { name: 'first' }, { runAt: new Date(Date.parse('2026-03-02T09:59:59Z')) });
    await queue.enqueue('T', 'b', { name: 'second' });
    worker.start();
    await until(async () => ran.length === 1 && (await jobRow('b')).status === 'running', 'the second job to be kept ready');
    clock.advance(61_000);
    // Both leases ran out; the other worker takes both, the first one while it still runs here.
    const taken = (await queue.claim('other-worker', 5)).find((job) => job.key === 'b');
    expect(taken).toBeDefined();
    firstMayFinish.open();
    // Time for the freed slot to take up the second job, were it to run it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker.stop();
    expect(ran).toEqual(['first']);
    expect(await jobRow('b')).toMatchObject({ status: 'running', attempts: 0, locked_by: taken!.lockedBy });
  });

  it('renews the leases of the jobs it keeps ready, not only of the running ones', async () => {
    const firstMayFinish = gate();
    const { clock, queue, worker } = setup(1, { run: () => firstMayFinish.opened }, 750);
    await queue.enqueue('T', 'a', {}, { runAt: new Date(Date.parse('2026-03-02T09:59:59Z')) });
    await queue.enqueue('T', 'b', {});
    worker.start();
    await until(async () => (await jobRow('b')).status === 'running', 'the second job to be kept ready');
    const claimedUntil = Number((await jobRow('b')).lease_expires_at);
    clock.advance(500);
    await until(async () => Number((await jobRow('b')).lease_expires_at) === clock.now().getTime() + 750, 'a lease renewal');
    expect(Number((await jobRow('b')).lease_expires_at)).toBeGreaterThan(claimedUntil);
    const stopped = worker.stop();
    firstMayFinish.open();
    await stopped;
  });

  it('keeps at most four jobs per slot in flight when they all give their slots back early', async () => {
    const mayFinish = gate();
    let started = 0;
    const { queue, worker } = setup(1, {
      async run(_payload, context) {
        started++;
        context.releaseSlot();
        await mayFinish.opened;
      },
    });
    for (let i = 0; i < 10; i++) await queue.enqueue('T', `k${i}`, {});
    worker.start();
    await until(() => started === 4, 'four jobs to start');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(started).toBe(4);
    mayFinish.open();
    await until(async () => (await db.knex('dt_jobs').where({ status: 'done' }).count({ n: '*' }))[0].n == 10, 'all jobs to finish');
    await worker.stop();
    expect(started).toBe(10);
  });
});
