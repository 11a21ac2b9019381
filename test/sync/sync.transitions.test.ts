import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenTransitionError, transitionDomain } from '../../module/domains/domain-status.machine.ts';
import type { SyncSummary } from '../../module/sync/sync-summary.ts';
import { normalizeSyncRow } from '../../module/sync/status-applier.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createSyncWorld, domainRow, historyOf, type SyncWorld } from './sync.test-support.ts';

const db = useMigratedDatabase();
let world: SyncWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function runSync(w: SyncWorld, options: { dryRun?: boolean; domain?: string } = {}) {
  const started = await w.sync.runNow({ trigger: 'cli', ...options });
  const outcome = await started.done;
  expect(outcome.status).toBe('succeeded');
  return { runId: started.runId, summary: outcome.summary as SyncSummary };
}

const outbox = (template: string) => db.knex('host_outbox').where({ template }).select('recipient_kind', 'params', 'body');

describe('sync-domain-statuses applies what the registry says, through the status machine', () => {
  it('moves a completed transfer to active with the expiry date from the registry, a history row, the hook and a client message', async () => {
    world = await createSyncWorld(db);
    await world.addPending('alpha.com');
    const transfer = await world.sandbox.registry.approvePendingTransfer('alpha.com');

    const { runId, summary } = await runSync(world);

    const row = await domainRow(db, 'alpha.com');
    expect(row.status).toBe('active');
    expect(Number(row.expiry_date)).toBe(transfer.expiryAfter!.getTime());
    const history = await historyOf(db, 'alpha.com');
    expect(history.at(-1)).toMatchObject({ from_status: 'pending', to_status: 'active', cause: 'transfer.completed', actor: `sync:run-${runId}` });
    expect(await world.hooks()).toEqual([{ name: 'domain.transfer.completed', payload: expect.objectContaining({ domain: 'alpha.com', clientId: world.clientId, expiryDate: transfer.expiryAfter!.toISOString(), orderId: null, eventId: expect.any(String) }) }]);
    expect(await outbox('sync.transfer_completed')).toHaveLength(1);
    expect(summary.changed.completed).toBe(1);
    expect(summary.registrars.sandbox!.changed.completed).toBe(1);
  });

  it('moves a rejected transfer to cancelled, keeping the registry reason, and tells the client and the admins', async () => {
    world = await createSyncWorld(db);
    await world.addPending('beta.com');
    await world.sandbox.registry.rejectPendingTransfer('beta.com', 'The registrant refused the transfer.');

    const { summary } = await runSync(world);

    const row = await domainRow(db, 'beta.com');
    expect(row.status).toBe('cancelled');
    expect(row.failure_reason).toBe('The registrant refused the transfer.');
    expect((await historyOf(db, 'beta.com')).at(-1)).toMatchObject({ from_status: 'pending', to_status: 'cancelled', cause: 'transfer.rejected', detail: 'The registrant refused the transfer.' });
    expect(await world.hooks()).toEqual([{ name: 'domain.transfer.cancelled', payload: expect.objectContaining({ domain: 'beta.com', reason: 'The registrant refused the transfer.', cancelledBy: 'registry' }) }]);
    expect((await outbox('sync.transfer_cancelled_client')).map((m) => m.recipient_kind)).toEqual(['client']);
    expect((await outbox('sync.transfer_cancelled_admin')).map((m) => m.recipient_kind)).toEqual(['admins']);
    expect(summary.changed.cancelled).toBe(1);
  });

  it('leaves a transfer still pending as it is and records when it was checked', async () => {
    world = await createSyncWorld(db);
    await world.addPending('gamma.com');
    await world.addActive('steady.com');

    const { summary } = await runSync(world);

    const row = await domainRow(db, 'gamma.com');
    expect(row.status).toBe('pending');
    expect(Number(row.last_checked_at)).toBe(world.clock.now().getTime());
    expect(Number((await domainRow(db, 'steady.com')).last_checked_at)).toBe(world.clock.now().getTime());
    expect(await historyOf(db, 'gamma.com')).toHaveLength(1);
    expect(summary).toMatchObject({ checked: 2, unchanged: 2, errors: 0 });
  });

  it('marks a domain that left as transferred_away: auto-renew off, unpaid renewals cancelled, client and admins told, hook emitted', async () => {
    world = await createSyncWorld(db);
    await world.addActive('leaving.com', { withService: true });
    const invoiceId = await world.host.billing.createRenewalInvoice({ clientId: Number(world.clientId), domain: 'leaving.com', amountMinor: 1099, currency: 'USD', description: 'Renew leaving.com' });
    await world.sandbox.registry.simulateTransferAway('leaving.com');

    const { summary } = await runSync(world);

    const row = await domainRow(db, 'leaving.com');
    expect(row.status).toBe('transferred_away');
    expect(Boolean(row.auto_renew)).toBe(false);
    expect((await historyOf(db, 'leaving.com')).at(-1)).toMatchObject({ from_status: 'active', to_status: 'transferred_away', cause: 'sync.transferred_away' });
    const service = await db.knex('host_services').where({ domain: 'leaving.com' }).first();
    expect(Boolean(service.auto_renew)).toBe(false);
    expect((await db.knex('host_invoices').where({ id: invoiceId }).first()).status).toBe('cancelled');
    // Messages and hooks are recorded with the change and delivered by the workers.
    expect(await world.hooks()).toEqual([{ name: 'domain.transferred_away', payload: expect.objectContaining({ domain: 'leaving.com', renewalInvoicesCancelled: 1 }) }]);
    expect((await outbox('sync.transferred_away_client')).map((m) => m.recipient_kind)).toEqual(['client']);
    expect((await outbox('sync.transferred_away_admin')).map((m) => m.recipient_kind)).toEqual(['admins']);
    expect(summary.changed.transferred_away).toBe(1);
  });

  it('updates a changed expiry date and tells the host through domain.expiry.changed, without a status change', async () => {
    world = await createSyncWorld(db);
    const registryExpiry = new Date('2027-03-01T00:00:00Z');
    const recorded = new Date('2026-03-01T00:00:00Z');
    await world.addActive('renewed.com', { expiresAt: registryExpiry, recordedExpiry: recorded });

    const { summary } = await runSync(world);

    const row = await domainRow(db, 'renewed.com');
    expect(row.status).toBe('active');
    expect(Number(row.expiry_date)).toBe(registryExpiry.getTime());
    expect(await historyOf(db, 'renewed.com')).toHaveLength(1);
    expect(await world.hooks()).toEqual([{ name: 'domain.expiry.changed', payload: expect.objectContaining({ domain: 'renewed.com', previousExpiryDate: recorded.toISOString(), expiryDate: registryExpiry.toISOString() }) }]);
    expect(summary.changed.expiry_changed).toBe(1);
  });

  it('refuses a forbidden transition, and of two writers applying the same completion only one wins', async () => {
    world = await createSyncWorld(db);
    const { id } = await world.addPending('race.com');
    await expect(transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'transferred_away', cause: 'test', actor: 'test', at: world.clock.now() })).rejects.toBeInstanceOf(ForbiddenTransitionError);
    expect((await domainRow(db, 'race.com')).status).toBe('pending');

    const row = normalizeSyncRow(await db.knex('dt_domains').where({ id }).first());
    const status = { kind: 'completed' as const, expiryDate: new Date('2027-06-01T00:00:00Z') };
    const outcomes = await Promise.all([
      world.sync.applier.applyTransferStatus(row, status, { actor: 'sync:a', dryRun: false }),
      world.sync.applier.applyTransferStatus(row, status, { actor: 'push:b', dryRun: false }),
    ]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['completed', 'raced']);
    expect((await historyOf(db, 'race.com')).filter((h) => h.to_status === 'active')).toHaveLength(1);
    expect((await world.hooks()).filter((e) => e.name === 'domain.transfer.completed')).toHaveLength(1);
  });

  it('skips a pending domain that waits for a corrected EPP code, and syncs only --domain when given', async () => {
    world = await createSyncWorld(db);
    await world.addPending('waiting.com');
    await db.knex('dt_domains').where({ domain: 'waiting.com' }).update({ failure_code: 'auth_code_invalid' });
    await world.addPending('one.com');
    await world.addPending('other.com');
    await world.sandbox.registry.approvePendingTransfer('one.com');
    await world.sandbox.registry.approvePendingTransfer('other.com');

    const single = await runSync(world, { domain: 'one.com' });
    expect(single.summary).toMatchObject({ checked: 1, total: 1 });
    expect((await domainRow(db, 'one.com')).status).toBe('active');
    expect((await domainRow(db, 'other.com')).status).toBe('pending');

    const all = await runSync(world);
    expect(all.summary.skippedByReason.awaiting_epp_code).toBe(1);
    expect((await domainRow(db, 'waiting.com')).last_checked_at).toBeNull();
    expect((await domainRow(db, 'other.com')).status).toBe('active');
  });
});

describe('a dry run', () => {
  it('reports every change it would make and writes nothing at all', async () => {
    world = await createSyncWorld(db);
    await world.addPending('done.com');
    await world.sandbox.registry.approvePendingTransfer('done.com');
    await world.addPending('refused.com');
    await world.sandbox.registry.rejectPendingTransfer('refused.com', 'Nope.');
    await world.addActive('gone.com', { withService: true });
    await world.host.billing.createRenewalInvoice({ clientId: Number(world.clientId), domain: 'gone.com', amountMinor: 1099, currency: 'USD', description: 'Renew' });
    await world.sandbox.registry.simulateTransferAway('gone.com');
    await world.addActive('moved.com', { expiresAt: new Date('2027-01-01T00:00:00Z'), recordedExpiry: new Date('2026-01-01T00:00:00Z') });
    const tables = ['dt_domains', 'dt_domain_status_history', 'dt_cron_runs', 'host_outbox', 'host_invoices', 'host_services'];
    const snapshot = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await db.knex(t).orderBy('id')])));
    const before = await snapshot();

    const started = await world.sync.runNow({ trigger: 'cli', dryRun: true });
    const summary = (await started.done).summary as SyncSummary;

    expect(started.runId).toBeNull();
    expect(summary.dryRun).toBe(true);
    expect(summary.changed).toEqual({ completed: 1, cancelled: 1, transferred_away: 1, expiry_changed: 1 });
    expect(summary.changes.map((c) => `${c.domain}:${c.kind}`).sort()).toEqual(['done.com:completed', 'gone.com:transferred_away', 'moved.com:expiry_changed', 'refused.com:cancelled']);
    expect(await snapshot()).toEqual(before);
    expect(await world.hooks()).toEqual([]);
  });
});

describe('registry push', () => {
  it('applies a completion from the poll queue at once, through the same path, and acknowledges it afterwards', async () => {
    world = await createSyncWorld(db);
    await world.addPending('pushed.com');
    await world.addActive('taken.com');
    await world.sandbox.registry.approvePendingTransfer('pushed.com');
    await world.sandbox.registry.simulateTransferAway('taken.com');

    const result = await world.sync.push.pollAll();

    expect(result.applied).toBe(2);
    expect((await domainRow(db, 'pushed.com')).status).toBe('active');
    expect((await historyOf(db, 'pushed.com')).at(-1)).toMatchObject({ cause: 'transfer.completed', actor: 'push:sandbox' });
    expect((await domainRow(db, 'taken.com')).status).toBe('transferred_away');
    expect((await world.hooks()).map((e) => e.name).sort()).toEqual(['domain.transfer.completed', 'domain.transferred_away']);
    expect(await db.knex('dt_sandbox_messages').whereNull('acked_at').where({ registrar_id: world.sandbox.registry.registrarId })).toEqual([]);
    expect((await world.sync.push.pollAll()).received).toBe(0);
    // The daily run then finds nothing left to change.
    const { summary } = await runSync(world);
    expect(summary).toMatchObject({ checked: 1, unchanged: 1, changed: { completed: 0, cancelled: 0, transferred_away: 0, expiry_changed: 0 } });
  });
});
