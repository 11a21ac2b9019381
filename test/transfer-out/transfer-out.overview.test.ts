import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createPendingDomain } from '../../module/domains/domain-status.machine.ts';
import { clientPrincipal, createOutWorld, OURS, queuedNotices } from './transfer-out.support.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';

const db = useMigratedDatabase();

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
    const pending = await overview(clientPrincipal(world), arriving);
    expect(pending).toMatchObject({ ...NOTHING_ASKED, domain: arriving, registrarId: 'sandbox', phase: 'not_ours_yet', transferredAwayAt: null });
    expect(pending.eligibility.eligible).toBeNull();
    const gone = await overview(clientPrincipal(world), OURS);
    expect(gone).toMatchObject({ ...NOTHING_ASKED, domain: OURS, phase: 'transferred_away', transferredAwayAt: leftAt });
    expect(pending.registrarLabel).not.toBe('');
    expect((await world.registry.listFaults())[0]).toMatchObject({ times: 100 });
    await world.host.close();
  });

  it('keeps the row’s pending transfer-out as the registry says it, for the lists', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const before = await world.host.module.services.transferOut.overview(clientPrincipal(world), OURS);
    expect(before.capabilities).toEqual({ cancel: false, approve: false, reject: false });
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    const view = await world.host.module.services.transferOut.overview(clientPrincipal(world), OURS);
    expect(view.pending).toMatchObject({ gainingRegistrar: 'other-registrar' });
    expect(view.capabilities).toEqual({ cancel: true, approve: true, reject: true });
    expect(await db.knex('dt_domains').where({ domain: OURS }).first('transfer_out_gaining')).toEqual({ transfer_out_gaining: 'other-registrar' });
    // A registry that cannot be read says nothing new: what the row holds stays.
    await world.registry.injectFault('*', 'transient', 100);
    const unreadable = await world.host.module.services.transferOut.overview(clientPrincipal(world), OURS);
    expect(unreadable.registry).toBe('unreachable');
    expect(await db.knex('dt_domains').where({ domain: OURS }).first('transfer_out_gaining')).toEqual({ transfer_out_gaining: 'other-registrar' });
    await world.host.close();
  });
});

describe('what the log says when the lock changes', () => {
  it('names the domain, the new state, whether the registrar confirmed it, and who asked', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [OURS], logger: capture.logger });
    const service = world.host.module.services.transferOut;
    expect(await service.setLock({ principal: clientPrincipal(world) }, OURS, false)).toEqual({ state: 'unlocked' });
    // The registrar took the change but cannot say what it holds now: requested, not confirmed.
    await world.registry.addFault({ operation: 'getLock', kind: 'error', errorCode: 'transient', domainPattern: OURS, times: 1 });
    expect(await service.setLock({ principal: clientPrincipal(world) }, OURS, true)).toEqual({ state: 'requested' });
    const lines = capture.entries().filter((l) => l.msg === 'transfer lock changed');
    expect(lines.map(({ domain, locked, confirmed, actor }) => ({ domain, locked, confirmed, actor }))).toEqual([
      { domain: OURS, locked: false, confirmed: true, actor: `client:${world.clientId}` },
      { domain: OURS, locked: true, confirmed: false, actor: `client:${world.clientId}` },
    ]);
    await world.host.close();
  });
});

describe('Get EPP Code, asked of the service', () => {
  it('refuses with the first unmet rule’s own message', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const service = world.host.module.services.transferOut;
    await service.setLock({ principal: clientPrincipal(world) }, OURS, true);
    await expect(service.requestEppCode({ principal: clientPrincipal(world) }, OURS)).rejects.toMatchObject({ status: 409, messageKey: 'rules:locked_client_out' });
    await world.host.close();
  });

  it('hands a code to a caller with no web request behind it, the notice saying the address is unknown', async () => {
    const world = await createOutWorld(db, { adopt: [OURS], config: { policy: { profile: 'icann-revised' } } });
    const delivery = await world.host.module.services.transferOut.requestEppCode({ principal: clientPrincipal(world) }, OURS);
    expect(delivery).toMatchObject({ kind: 'code', code: expect.any(String) });
    expect((await queuedNotices(db)).map((m) => m.params.ip)).toEqual(['?']);
    await world.host.close();
  });
});
