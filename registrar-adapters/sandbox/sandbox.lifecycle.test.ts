import { describe, expect, it } from 'vitest';
import { CONTRACT_CONTACTS } from '../../testing/adapter-contract.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from './sandbox.demo-data.ts';
import { createSandbox, US } from './sandbox.test-support.ts';

const db = useMigratedDatabase();
const DAY = 24 * 60 * 60 * 1000;
const plusYears = (date: Date, years: number) => {
  const d = new Date(date);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
};

describe('sandbox transfer-in lifecycle', () => {
  it('auto-approves when the fake clock passes the action date: sponsor is us, expiry +1 year', async () => {
    const { adapter, clock } = await createSandbox(db.knex);
    const before = await adapter.getDomainInfo('demo-transferable.com');
    const requested = await adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });
    expect(requested.kind).toBe('pending');

    clock.advance(5 * DAY - 60_000);
    expect(await adapter.getTransferStatus('demo-transferable.com')).toMatchObject({ kind: 'pending', reference: requested.reference });
    expect((await adapter.getDomainInfo('demo-transferable.com')).statuses).toEqual(['pendingTransfer']);

    clock.advance(60_000);
    const status = await adapter.getTransferStatus('demo-transferable.com', requested.reference);
    expect(status).toEqual({ kind: 'completed', expiryDate: plusYears(before.expiresAt!, 1) });

    const after = await adapter.getDomainInfo('demo-transferable.com');
    expect(after).toMatchObject({ sponsoredByUs: true, registrar: US, statuses: ['ok'], expiresAt: plusYears(before.expiresAt!, 1) });
    expect(after.lastTransferredAt).toEqual(clock.now());
  });

  it('a requested period of two years adds two years on completion', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    const before = await adapter.getDomainInfo('demo-transferable.com');
    await adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS, periodYears: 2 });
    await registry.approvePendingTransfer('demo-transferable.com');
    expect(await adapter.getTransferStatus('demo-transferable.com')).toEqual({ kind: 'completed', expiryDate: plusYears(before.expiresAt!, 2) });
  });

  it('poll reports a completed transfer-in once; ack removes it from the queue', async () => {
    const { adapter, clock } = await createSandbox(db.knex);
    expect(await adapter.poll()).toEqual([]);
    await adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });
    clock.advanceDays(6);
    // Nobody read the domain: poll itself applies due transfers.
    const events = await adapter.poll();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'transfer', domain: 'demo-transferable.com', direction: 'in', status: { kind: 'completed' } });
    expect(await adapter.poll()).toHaveLength(1);
    await events[0]!.ack();
    expect(await adapter.poll()).toEqual([]);
  });

  it('an admin rejection gives a rejected status with the reason, and the domain stays where it was', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });
    await registry.rejectPendingTransfer('demo-transferable.com', 'Registrant did not confirm');
    expect(await adapter.getTransferStatus('demo-transferable.com')).toEqual({ kind: 'rejected', reason: 'Registrant did not confirm' });
    const info = await adapter.getDomainInfo('demo-transferable.com');
    expect(info).toMatchObject({ sponsoredByUs: false, statuses: ['ok'] });
    const [event] = await adapter.poll();
    expect(event).toMatchObject({ direction: 'in', status: { kind: 'rejected', reason: 'Registrant did not confirm' } });
    // A new attempt is possible after a rejection.
    const again = await adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });
    expect(again.kind).toBe('pending');
    await expect(registry.rejectPendingTransfer('demo-new.com', 'x')).rejects.toMatchObject({ code: 'not_found', registrarMessage: 'No transfer of demo-new.com is pending.' });
  });

  it('after a completed transfer the old code is void and only a code we set admits the next transfer', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await adapter.transfer({ domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE, contacts: CONTRACT_CONTACTS });
    await registry.approvePendingTransfer('demo-transferable.com');
    await expect(registry.requestTransferOut('demo-transferable.com', 'other-registrar', { authCode: SANDBOX_DEMO_AUTH_CODE })).rejects.toMatchObject({ code: 'auth_code_invalid' });
    const epp = await adapter.getEppCode('demo-transferable.com');
    if (epp.kind !== 'code') throw new Error('expected a code');
    // The 60-day window after our transfer applies to the next one.
    await expect(registry.requestTransferOut('demo-transferable.com', 'other-registrar', { authCode: epp.code })).rejects.toMatchObject({ code: 'not_eligible' });
  });
});

describe('sandbox transfer-out', () => {
  it('a transfer-out request shows as pendingTransferOut, and approve hands the domain over', async () => {
    const { adapter, registry, clock } = await createSandbox(db.knex);
    await registry.requestTransferOut('demo-ours.com', 'other-registrar');
    const pending = await adapter.getDomainInfo('demo-ours.com');
    expect(pending.statuses).toEqual(['pendingTransfer']);
    expect(pending.pendingTransferOut).toEqual({ gainingRegistrar: 'other-registrar', requestedAt: clock.now(), actionDate: new Date(clock.now().getTime() + 5 * DAY) });

    await adapter.approveTransferOut('demo-ours.com');
    expect(await adapter.getDomainInfo('demo-ours.com')).toMatchObject({ sponsoredByUs: false, registrar: 'other-registrar' });
    const [event] = await adapter.poll();
    expect(event).toMatchObject({ domain: 'demo-ours.com', direction: 'out', status: { kind: 'completed' } });
    await expect(adapter.getLock('demo-ours.com')).rejects.toMatchObject({ code: 'not_found', registrarMessage: expect.stringMatching(/sponsored by other-registrar/) });
  });

  it('reject and cancel end a transfer-out and keep the domain with us', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await registry.requestTransferOut('demo-ours.com', 'other-registrar');
    await adapter.rejectTransferOut('demo-ours.com', 'Owner disputes the request');
    expect(await adapter.getDomainInfo('demo-ours.com')).toMatchObject({ sponsoredByUs: true, statuses: ['ok'], pendingTransferOut: undefined });

    const request = await registry.requestTransferOut('demo-ours.com', 'third-registrar');
    await adapter.cancelTransferOut('demo-ours.com');
    expect(await adapter.getDomainInfo('demo-ours.com')).toMatchObject({ sponsoredByUs: true, pendingTransferOut: undefined });
    const rows = await db.knex('dt_sandbox_transfers').where({ domain: 'demo-ours.com' }).orderBy('id');
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ['rejected', 'Owner disputes the request'],
      ['cancelled', `Cancelled by the sponsoring registrar (${US}).`],
    ]);
    expect(request.reference).toMatch(/^sandbox-transfer-/);
  });

  it('approve, reject or cancel with nothing pending is not_found with a clear message', async () => {
    const { adapter } = await createSandbox(db.knex);
    await expect(adapter.approveTransferOut('demo-ours.com')).rejects.toMatchObject({ code: 'not_found', registrarMessage: 'No transfer-out of demo-ours.com is pending.' });
    await expect(adapter.rejectTransferOut('demo-ours.com', 'no')).rejects.toMatchObject({ code: 'not_found' });
    await expect(adapter.cancelTransferOut('demo-transferable.com')).rejects.toMatchObject({ code: 'not_found', registrarMessage: expect.stringMatching(/not in your account/) });
  });

  it('an unanswered transfer-out completes by itself after the window', async () => {
    const { adapter, registry, clock } = await createSandbox(db.knex);
    await registry.requestTransferOut('demo-ours-classic.org', 'other-registrar');
    clock.advanceDays(5);
    expect(await adapter.getDomainInfo('demo-ours-classic.org')).toMatchObject({ sponsoredByUs: false, registrar: 'other-registrar' });
  });

  it('a locked domain of ours cannot be requested away', async () => {
    const { registry } = await createSandbox(db.knex);
    await expect(registry.requestTransferOut('demo-ours-locked.net', 'other-registrar')).rejects.toMatchObject({ code: 'transfer_prohibited' });
    await expect(registry.requestTransferOut('demo-transferable.com', 'third-registrar')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('simulateTransferAway moves the domain at once: sponsoredByUs false, and poll reports it', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await registry.simulateTransferAway('demo-ours.com', 'third-registrar');
    expect(await adapter.getDomainInfo('demo-ours.com')).toMatchObject({ sponsoredByUs: false, registrar: 'third-registrar', statuses: ['ok'] });
    const events = await adapter.poll();
    expect(events.map((e) => [e.domain, e.direction, e.status.kind])).toEqual([['demo-ours.com', 'out', 'completed']]);
    await expect(adapter.getEppCode('demo-ours.com')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('sandbox lock', () => {
  it('setLock adds and removes clientTransferProhibited only, leaving other statuses alone', async () => {
    const { adapter, registry } = await createSandbox(db.knex);
    await registry.addDomain({ name: 'many-statuses.com', sponsor: US, statuses: ['clientDeleteProhibited', 'serverUpdateProhibited'] });
    expect(await adapter.getLock('many-statuses.com')).toBe(false);
    await adapter.setLock('many-statuses.com', true);
    expect((await adapter.getDomainInfo('many-statuses.com')).statuses).toEqual(['clientDeleteProhibited', 'clientTransferProhibited', 'serverUpdateProhibited']);
    await adapter.setLock('many-statuses.com', true);
    await adapter.setLock('many-statuses.com', false);
    expect((await adapter.getDomainInfo('many-statuses.com')).statuses).toEqual(['clientDeleteProhibited', 'serverUpdateProhibited']);
    expect(await adapter.getLock('many-statuses.com')).toBe(false);
  });

  it('lock operations on a domain we do not sponsor are refused', async () => {
    const { adapter } = await createSandbox(db.knex);
    await expect(adapter.setLock('demo-transferable.com', true)).rejects.toMatchObject({ code: 'not_found', registrarMessage: expect.stringMatching(/sponsored by other-registrar/) });
    await expect(adapter.getLock('no-such.com')).rejects.toMatchObject({ code: 'not_found' });
    expect((await adapter.getDomainInfo('demo-transferable.com')).statuses).toEqual(['ok']);
  });
});
