import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncFeature, PENDING_TASK_ID, SYNC_TASK_ID } from '../module/sync/sync.feature.ts';
import type { SyncSummary } from '../module/sync/sync-summary.ts';
import { useMigratedDatabase } from '../test/support/test-database.ts';
import { FakeClock } from '../test/support/fake-clock.ts';
import { createSyncWorld, cronRuns, domainRow, syncModuleConfig, type SyncWorld } from '../test/sync/sync.test-support.ts';

const db = useMigratedDatabase();
const worlds: SyncWorld[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(options: { clock?: FakeClock; sync?: Record<string, unknown>; seed?: boolean; sandboxLatencyMs?: number } = {}) {
  const config = syncModuleConfig({ sync: options.sync });
  if (options.sandboxLatencyMs) (config.registrars as any).sandbox.options.latencyMs = options.sandboxLatencyMs;
  const w = await createSyncWorld(db, { clock: options.clock, config, seed: options.seed });
  worlds.push(w);
  return w;
}

const dailyRuns = () => cronRuns(db, SYNC_TASK_ID);

describe('the sync-domain-statuses schedule', () => {
  it('runs at 05:00 in the configured time zone, not before', async () => {
    // 05:00 in Shanghai is 21:00 UTC the day before.
    const clock = new FakeClock('2026-06-01T20:58:00Z');
    const w = await world({ clock, sync: { timezone: 'Asia/Shanghai' } });
    // The first tick catches up the previous day's slot.
    await w.sync.scheduler.tick();
    expect((await dailyRuns()).map((r) => [new Date(Number(r.slot_at)).toISOString(), r.trigger])).toEqual([['2026-05-31T21:00:00.000Z', 'catch-up']]);
    // The registry renews a domain; nothing pushes that, so only a scheduled run can see it.
    const renewedTo = new Date('2027-06-01T00:00:00Z');
    await w.addActive('dawn.com', { expiresAt: renewedTo, recordedExpiry: new Date('2026-06-01T00:00:00Z') });

    clock.set('2026-06-01T20:59:59Z');
    await w.sync.scheduler.tick();
    expect(await dailyRuns()).toHaveLength(1);
    expect(Number((await domainRow(db, 'dawn.com')).expiry_date)).toBe(new Date('2026-06-01T00:00:00Z').getTime());

    clock.set('2026-06-01T21:00:00Z');
    const results = await w.sync.scheduler.tick();
    const runs = await dailyRuns();
    expect(runs.map((r) => [new Date(Number(r.slot_at)).toISOString(), r.trigger, r.status])).toEqual([
      ['2026-05-31T21:00:00.000Z', 'catch-up', 'succeeded'],
      ['2026-06-01T21:00:00.000Z', 'schedule', 'succeeded'],
    ]);
    expect(results.find((r) => r.task === SYNC_TASK_ID)?.outcome.summary).toMatchObject({ mode: 'full', changed: { expiry_changed: 1 } });
    expect(Number((await domainRow(db, 'dawn.com')).expiry_date)).toBe(renewedTo.getTime());
    expect(w.sync.scheduler.nextSlot(SYNC_TASK_ID)?.toISOString()).toBe('2026-06-02T21:00:00.000Z');
  });

  it('starts its timer with a catch-up tick and stops cleanly', async () => {
    const w = await world({ clock: new FakeClock('2026-06-01T09:00:00Z') });
    w.sync.start();
    for (let i = 0; i < 100 && (await dailyRuns()).filter((r) => r.status === 'succeeded').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await w.sync.stop();
    expect((await dailyRuns()).map((r) => [new Date(Number(r.slot_at)).toISOString(), r.trigger, r.status])).toEqual([['2026-06-01T05:00:00.000Z', 'catch-up', 'succeeded']]);
  });

  it('runs once when two instances tick for the same slot at once', async () => {
    const clock = new FakeClock('2026-06-01T05:00:05Z');
    const a = await world({ clock });
    const b = await world({ clock, seed: false });
    await a.addPending('shared.com');
    await a.sandbox.registry.approvePendingTransfer('shared.com');

    const [ra, rb] = await Promise.all([a.sync.scheduler.tick(), b.sync.scheduler.tick()]);

    const daily = [...ra, ...rb].filter((r) => r.task === SYNC_TASK_ID);
    expect(daily).toHaveLength(1);
    expect(await dailyRuns()).toHaveLength(1);
    expect([...ra, ...rb].filter((r) => r.task === PENDING_TASK_ID)).toHaveLength(1);
    expect([...(await a.hooks()), ...(await b.hooks())].filter((e) => e.name === 'domain.transfer.completed')).toHaveLength(1);
    // Ticking again within the slot does nothing on either instance.
    expect([...(await a.sync.scheduler.tick()), ...(await b.sync.scheduler.tick())]).toEqual([]);
  });

  it('after three days down over 05:00, the first start runs once, not once per missed day', async () => {
    const clock = new FakeClock('2026-06-01T05:00:00Z');
    const w = await world({ clock });
    await w.sync.scheduler.tick();
    clock.set('2026-06-04T11:30:00Z');

    const results = await w.sync.scheduler.tick();
    await w.sync.scheduler.tick();

    expect(results.filter((r) => r.task === SYNC_TASK_ID).map((r) => r.outcome.status)).toEqual(['succeeded']);
    expect((await dailyRuns()).map((r) => [new Date(Number(r.slot_at)).toISOString(), r.trigger])).toEqual([
      ['2026-06-01T05:00:00.000Z', 'schedule'],
      ['2026-06-04T05:00:00.000Z', 'catch-up'],
    ]);
  });

  it('checks pending transfers on the shorter cadence, leaving what the daily run just checked', async () => {
    const clock = new FakeClock('2026-06-01T05:00:00Z');
    const w = await world({ clock, sync: { pendingCheckMinutes: 60 } });
    await w.addPending('hourly.com');
    await w.addActive('quiet.com');
    // The order expiry shares the scheduler; this test follows the sync's two tasks.
    const syncOnly = (results: Awaited<ReturnType<typeof w.sync.scheduler.tick>>) => results.filter((r) => r.task === SYNC_TASK_ID || r.task === PENDING_TASK_ID);
    const first = syncOnly(await w.sync.scheduler.tick());
    expect(first.map((r) => [r.task, (r.outcome.summary as SyncSummary).checked])).toEqual([[SYNC_TASK_ID, 2], [PENDING_TASK_ID, 0]]);

    await w.sandbox.registry.approvePendingTransfer('hourly.com');
    clock.set('2026-06-01T06:00:30Z');
    const second = syncOnly(await w.sync.scheduler.tick());

    expect(second.map((r) => r.task)).toEqual([PENDING_TASK_ID]);
    expect(second[0]!.outcome.summary).toMatchObject({ mode: 'pending', checked: 1, changed: { completed: 1 } });
    expect((await domainRow(db, 'hourly.com')).status).toBe('active');
  });
});

describe('the lease', () => {
  it('lets another instance take over a slot whose runner died, but not while its lease is live', async () => {
    const clock = new FakeClock('2026-06-01T05:00:00Z');
    const w = await world({ clock, sync: { leaseSeconds: 60 } });
    // An instance claimed the slot and died without finishing.
    const deadRun = await w.sync.runs.claimSlot(SYNC_TASK_ID, new Date('2026-06-01T05:00:00Z'), 'dead-instance', 60_000, 'schedule');
    expect(deadRun).not.toBeNull();
    expect((await w.sync.scheduler.tick()).filter((r) => r.task === SYNC_TASK_ID)).toEqual([]);

    clock.advance(61_000);
    const results = await w.sync.scheduler.tick();

    expect(results.filter((r) => r.task === SYNC_TASK_ID).map((r) => r.outcome.status)).toEqual(['succeeded']);
    const runs = await dailyRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: deadRun, owner: w.sync.scheduler.owner, takeovers: 1, status: 'succeeded' });
  });

  it('stops a run promptly when its lease is taken from it', async () => {
    const clock = new FakeClock('2026-06-01T09:00:00Z');
    const w = await world({ clock, sandboxLatencyMs: 10, sync: { concurrencyPerRegistrar: 2 } });
    for (let i = 0; i < 150; i++) await w.addActive(`lease-${String(i).padStart(3, '0')}.com`);
    // The same services with a fast heartbeat, so the loss is noticed within the test.
    const module = w.host.module;
    const sync = createSyncFeature({
      knex: db.knex, clock, logger: pino({ level: 'silent' }), outbox: module.services.outbox, queue: module.services.queue, settlements: module.services.settlements, codes: module.services.codes, billing: w.host.billing,
      notifications: module.services.notifications, registrars: module.registrars, config: module.config, heartbeatMs: 20,
    });

    const started = await sync.runNow({ trigger: 'cli' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await db.knex('dt_cron_runs').where({ id: started.runId }).update({ owner: 'another-instance' });
    const t0 = Date.now();
    const outcome = await started.done;
    const summary = outcome.summary as SyncSummary;

    expect(Date.now() - t0).toBeLessThan(1000);
    expect(outcome.status).toBe('lost');
    expect(summary.result).toBe('stopped');
    expect(summary.checked).toBeGreaterThan(0);
    expect(summary.checked).toBeLessThan(150);
    expect(summary.checked + summary.skippedByReason.stopped!).toBe(150);
    // The new owner's row is left alone.
    expect(await db.knex('dt_cron_runs').where({ id: started.runId }).first()).toMatchObject({ owner: 'another-instance', status: 'running' });
    await sync.stop();
  });
});
