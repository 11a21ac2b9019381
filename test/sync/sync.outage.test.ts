import { afterEach, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../../module/sync/sync-summary.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createSyncWorld, domainRow, syncModuleConfig, type SyncWorld } from './sync.test-support.ts';
import type { SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';

const db = useMigratedDatabase();
let world: SyncWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a registrar outage during a sync run', () => {
  it('skips the down registrar after one admin alert while the other registrar is fully synced', async () => {
    // `.net` goes to `backup`, which fails every call; `.com` goes to `sandbox`, which works.
    world = await createSyncWorld(db, {
      config: syncModuleConfig({ backupOptions: { transientErrorRate: 1 }, sync: { breakerThreshold: 3, callRetries: 1, concurrencyPerRegistrar: 4 } }),
    });
    for (let i = 0; i < 30; i++) await world.addActive(`down-${i}.net`);
    for (let i = 0; i < 5; i++) {
      await world.addPending(`ok-${i}.com`);
      await world.sandbox.registry.approvePendingTransfer(`ok-${i}.com`);
    }
    await world.addActive('renewed.com', { expiresAt: new Date('2027-09-01T00:00:00Z'), recordedExpiry: new Date('2026-09-01T00:00:00Z') });

    const started = await world.sync.runNow({ trigger: 'admin' });
    const outcome = await started.done;
    const summary = outcome.summary as SyncSummary;

    expect(outcome.status).toBe('succeeded');
    expect(summary.registrars.backup).toMatchObject({ down: true, checked: 0, errors: 3, skipped: 27 });
    expect(summary.skippedByReason.registrar_down).toBe(27);
    expect(summary.registrars.sandbox).toMatchObject({ down: false, checked: 6, errors: 0, changed: { completed: 5, expiry_changed: 1 } });
    const alerts = await db.knex('host_outbox').where({ template: 'sync.registrar_down' });
    expect(alerts).toHaveLength(1);
    expect(alerts[0].recipient_kind).toBe('admins');
    expect(JSON.parse(alerts[0].params)).toMatchObject({ registrar: 'backup' });
    expect((await domainRow(db, 'ok-4.com')).status).toBe('active');
    expect(Number((await domainRow(db, 'renewed.com')).expiry_date)).toBe(new Date('2027-09-01T00:00:00Z').getTime());
    expect(await db.knex('dt_domains').where('domain', 'like', 'down-%').whereNotNull('last_checked_at')).toEqual([]);
  });

  it('counts a final registrar error against the domain without taking the registrar down', async () => {
    world = await createSyncWorld(db, { config: syncModuleConfig({ sync: { breakerThreshold: 2 } }) });
    await world.addPending('fine.com');
    // Pending here but unknown to the registry: the registrar answers not_found.
    for (const name of ['ghost-1.com', 'ghost-2.com', 'ghost-3.com']) {
      await db.knex('dt_domains').insert({ domain: name, client_id: world.clientId, registrar_id: 'sandbox', status: 'pending', status_changed_at: 1, created_at: 1, updated_at: 1 });
    }

    const summary = (await (await world.sync.runNow({ trigger: 'cli' })).done).summary as SyncSummary;

    expect(summary.errorsByCode).toEqual({ not_found: 3 });
    expect(summary.registrars.sandbox).toMatchObject({ down: false, checked: 1, errors: 3 });
    expect(await db.knex('host_outbox').where({ template: 'sync.registrar_down' })).toEqual([]);
  });

  it('stops calling a registrar at its first refused login: no retry, no second login, one alert', async () => {
    world = await createSyncWorld(db, { config: syncModuleConfig({ sync: { breakerThreshold: 5, callRetries: 3, concurrencyPerRegistrar: 1 } }) });
    for (let i = 0; i < 10; i++) await world.addActive(`locked-out-${i}.net`);
    const backup = world.host.module.registrars.get('backup') as SandboxAdapter;
    await backup.registry.addFault({ operation: '*', kind: 'error', errorCode: 'authentication_failed', domainPattern: '*.net', times: 100 });

    const summary = (await (await world.sync.runNow({ trigger: 'admin' })).done).summary as SyncSummary;

    expect(summary.registrars.backup).toMatchObject({ down: true, checked: 0, errors: 1, skipped: 9 });
    expect(summary.errorsByCode).toEqual({ authentication_failed: 1 });
    // One call met the refusal; none was tried again.
    expect(Number((await db.knex('dt_sandbox_faults').where({ error_code: 'authentication_failed' }).first('remaining'))!.remaining)).toBe(99);
    expect(await db.knex('host_outbox').where({ template: 'sync.registrar_down' })).toHaveLength(1);
  });
});
