import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createPendingDomain } from '../../module/domains/domain-status.machine.ts';
import type { ClientPrincipal } from '../../module/host-context.ts';
import { createOutWorld, OURS, type OutWorld } from './transfer-out.support.ts';

const db = useMigratedDatabase();

const principal = (world: OutWorld): ClientPrincipal => ({ kind: 'client', clientId: world.clientId, sessionId: 'overview-test' });
/** What the section shows for a domain the registrar is not asked about: nothing offered, nothing known. */
const NOTHING_ASKED = {
  registry: 'unknown',
  registryMessage: null,
  sponsor: null,
  lock: 'unknown',
  lockMessage: null,
  pending: null,
  capabilities: { cancel: false, approve: false, reject: false },
  registrantEmail: null,
  canChangeLock: false,
  canRequestCode: false,
};

describe('the transfer-out section’s facts', () => {
  it('asks the registrar nothing and offers nothing for a domain still arriving or already gone', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const arriving = 'arriving-example.com';
    await db.knex.transaction((trx) =>
      createPendingDomain(trx, { domain: arriving, clientId: world.clientId, registrarId: 'sandbox', transferOrderId: null }, 'test', 'test', world.clock.now()),
    );
    const leftAt = world.clock.now().getTime() - 3_600_000;
    await db.knex('dt_domains').where({ domain: OURS }).update({ status: 'transferred_away', status_changed_at: leftAt });
    await world.registry.injectFault('*', 'transient', 100);

    const overview = world.host.module.services.transferOut.overview.bind(world.host.module.services.transferOut);
    const pending = await overview(principal(world), arriving);
    expect(pending).toMatchObject({ ...NOTHING_ASKED, domain: arriving, registrarId: 'sandbox', phase: 'not_ours_yet', transferredAwayAt: null });
    expect(pending.eligibility.eligible).toBeNull();
    const gone = await overview(principal(world), OURS);
    expect(gone).toMatchObject({ ...NOTHING_ASKED, domain: OURS, phase: 'transferred_away', transferredAwayAt: leftAt });
    expect(pending.registrarLabel).not.toBe('');
    expect((await world.registry.listFaults())[0]).toMatchObject({ times: 100 });
    await world.host.close();
  });

  it('keeps the row’s pending transfer-out as the registry says it, for the lists', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    const view = await world.host.module.services.transferOut.overview(principal(world), OURS);
    expect(view.pending).toMatchObject({ gainingRegistrar: 'other-registrar' });
    expect(view.capabilities).toEqual({ cancel: true, approve: true, reject: true });
    expect(await db.knex('dt_domains').where({ domain: OURS }).first('transfer_out_gaining')).toEqual({ transfer_out_gaining: 'other-registrar' });
    // A registry that cannot be read says nothing new: what the row holds stays.
    await world.registry.injectFault('*', 'transient', 100);
    const unreadable = await world.host.module.services.transferOut.overview(principal(world), OURS);
    expect(unreadable.registry).toBe('unreachable');
    expect(await db.knex('dt_domains').where({ domain: OURS }).first('transfer_out_gaining')).toEqual({ transfer_out_gaining: 'other-registrar' });
    await world.host.close();
  });
});
