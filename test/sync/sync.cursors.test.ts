import { afterEach, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../module/sync/sync-summary.ts';
import { RegistrarError } from '../../registrar-adapters/types.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createSyncWorld, domainRow, syncModuleConfig, type SyncWorld } from './sync.test-support.ts';

const db = useMigratedDatabase();
let world: SyncWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Every registrar call the run makes, in the order they start and end. */
function recordCalls(w: SyncWorld) {
  const log: Array<{ at: 'start' | 'end'; method: string; domain: string }> = [];
  for (const method of ['getTransferStatus', 'getDomainInfo'] as const) {
    const original = w.sandbox[method].bind(w.sandbox) as (domain: string, ...rest: unknown[]) => Promise<never>;
    (w.sandbox as unknown as Record<string, unknown>)[method] = async (domain: string, ...rest: unknown[]) => {
      log.push({ at: 'start', method, domain });
      try {
        return await original(domain, ...rest);
      } finally {
        log.push({ at: 'end', method, domain });
      }
    };
  }
  return log;
}

describe('a sync run reads its statuses one after another with one pool of workers', () => {
  it('checks every domain once, starts on the active domains before the last pending check ends, and does not check a transfer it completed again', async () => {
    world = await createSyncWorld(db, { config: syncModuleConfig({ sync: { batchSize: 3, concurrencyPerRegistrar: 4, ratePerSecondPerRegistrar: 10_000 } }) });
    // Pending and active domains interleaved by id, so a completed transfer's row lies among the
    // active ones; 13 pending for 4 workers, so the last pending check runs alone unless the
    // other workers go on to the active domains.
    const completed: string[] = [];
    for (let i = 0; i < 13; i++) {
      await world.addPending(`pending-${i}.com`);
      if (i < 12) await world.addActive(`active-${i}.com`);
      if (i % 3 === 0) completed.push(`pending-${i}.com`);
    }
    for (const name of completed) await world.sandbox.registry.approvePendingTransfer(name);
    (world.sandbox.options as { latencyMs: number }).latencyMs = 5;
    const calls = recordCalls(world);

    const started = await world.sync.runNow({ trigger: 'cli' });
    const outcome = await started.done;
    const summary = outcome.summary as SyncSummary;

    expect(outcome.status).toBe('succeeded');
    expect(summary).toMatchObject({ total: 25, checked: 25, skipped: 0, errors: 0 });
    expect(summary.changed.completed).toBe(5);
    for (const name of completed) expect((await domainRow(db, name)).status).toBe('active');
    const starts = calls.filter((c) => c.at === 'start');
    // Each domain asked about once: a completed transfer is not asked about again as an active domain.
    expect(starts.filter((c) => c.method === 'getTransferStatus').map((c) => c.domain).sort()).toEqual(Array.from({ length: 13 }, (_, i) => `pending-${i}.com`).sort());
    expect(starts.filter((c) => c.method === 'getDomainInfo').map((c) => c.domain).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `active-${i}.com`).sort());
    // No drain between the statuses: an active domain is asked about while pending checks are still out.
    const firstActive = calls.findIndex((c) => c.at === 'start' && c.method === 'getDomainInfo');
    const lastPendingEnd = calls.findLastIndex((c) => c.at === 'end' && c.method === 'getTransferStatus');
    expect(firstActive).toBeLessThan(lastPendingEnd);
  });

  it('counts what a run that gave up on its registrar left, across the statuses it had not reached', async () => {
    world = await createSyncWorld(db, { config: syncModuleConfig({ sync: { batchSize: 2, concurrencyPerRegistrar: 1 } }) });
    for (let i = 0; i < 5; i++) await world.addPending(`pending-${i}.com`);
    for (let i = 0; i < 4; i++) await world.addActive(`active-${i}.com`);
    let asked = 0;
    const original = world.sandbox.getTransferStatus.bind(world.sandbox);
    // The first answer, then the registrar goes down: the breaker opens after three failed checks.
    world.sandbox.getTransferStatus = async (domain, reference) => {
      if (++asked > 1) throw new RegistrarError('transient', 'The registry is down.');
      return original(domain, reference);
    };

    const started = await world.sync.runNow({ trigger: 'cli' });
    const summary = (await started.done).summary as SyncSummary;

    expect(summary).toMatchObject({ total: 9, checked: 1, errors: 3 });
    // One pending domain never asked about, and every active one.
    expect(summary.skippedByReason.registrar_down).toBe(5);
  });
});
