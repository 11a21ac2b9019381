import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OTHER_CLID, OUR_CLID, startEppFixture, type EppFixture } from '../../test/support/epp-registry/epp-registry.fixture.ts';
import { rejection } from '../../test/support/registrar-errors.ts';

const DAY = 24 * 60 * 60 * 1000;
const contacts = {
  registrant: { name: 'Ada', email: 'ada@example.test', address: { street: ['1 Road'], city: 'X', postcode: '1', countryCode: 'GB' } },
};

let f: EppFixture;
beforeEach(async () => {
  f = await startEppFixture();
});
afterEach(async () => {
  await f.close();
  expect(await f.registry.schemaFailures()).toEqual([]);
});

describe('transfer-in', () => {
  beforeEach(() => {
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID, authInfo: 'Right-Code-1', exDate: new Date('2026-09-01T00:00:00Z') });
  });

  it('requests the transfer with authInfo and period, and reports it pending until the registry acts', async () => {
    const result = await f.adapter.transfer({ domain: 'Theirs.TEST', authCode: 'Right-Code-1', contacts, periodYears: 2 });
    expect(result).toEqual({ kind: 'pending', reference: expect.any(String), actionDate: new Date(f.clock.now().getTime() + 5 * DAY) });
    const sent = f.registry.frames.map((x) => x.xml).find((x) => x.includes('op="request"'))!;
    expect(sent).toContain('<domain:period unit="y">2</domain:period>');
    expect(sent).toContain('<domain:authInfo><domain:pw>Right-Code-1</domain:pw></domain:authInfo>');

    expect(await f.adapter.getTransferStatus('theirs.test')).toEqual({
      kind: 'pending',
      requestedAt: f.clock.now(),
      actionDate: new Date(f.clock.now().getTime() + 5 * DAY),
    });
  });

  it('reports completed with the new expiry once the losing registrar approves', async () => {
    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts });
    await f.other().approveTransferOut('theirs.test');
    expect(await f.adapter.getTransferStatus('theirs.test')).toEqual({ kind: 'completed', expiryDate: new Date('2027-09-01T00:00:00Z') });
    expect((await f.adapter.getDomainInfo('theirs.test')).sponsoredByUs).toBe(true);
  });

  it('reports completed after the registry auto-approves at the end of the pending window', async () => {
    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts });
    f.clock.advanceDays(5);
    expect(await f.adapter.getTransferStatus('theirs.test')).toEqual({ kind: 'completed', expiryDate: new Date('2027-09-01T00:00:00Z') });
  });

  it('reports rejected, naming the status, when the losing registrar rejects or we cancel', async () => {
    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts });
    await f.other().rejectTransferOut('theirs.test', 'owner said no');
    expect(await f.adapter.getTransferStatus('theirs.test')).toEqual({ kind: 'rejected', reason: expect.stringContaining('clientRejected') });

    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts });
    await f.adapter.cancelTransferOut('theirs.test');
    expect(await f.adapter.getTransferStatus('theirs.test')).toEqual({ kind: 'rejected', reason: expect.stringContaining('clientCancelled') });
  });

  it('maps the registry refusals: wrong code, lock, 60-day rule, unknown domain, already pending', async () => {
    f.registry.state.addDomain({ name: 'locked.test', clID: OTHER_CLID, authInfo: 'c0de-abc', statuses: ['clientTransferProhibited'] });
    f.registry.state.addDomain({ name: 'young.test', clID: OTHER_CLID, authInfo: 'c0de-abc', crDate: new Date(f.clock.now().getTime() - 10 * DAY) });
    const cases: Array<[string, string, string, number]> = [
      ['theirs.test', 'Wrong-Code', 'auth_code_invalid', 2202],
      ['locked.test', 'c0de-abc', 'transfer_prohibited', 2304],
      ['young.test', 'c0de-abc', 'not_eligible', 2106],
      ['missing.test', 'c0de-abc', 'not_found', 2303],
    ];
    for (const [domain, authCode, code, rawCode] of cases) {
      const error = await rejection(f.adapter.transfer({ domain, authCode, contacts }));
      expect({ domain, code: error.code, rawCode: error.rawCode }).toEqual({ domain, code, rawCode });
      expect(error.registrarMessage).toMatch(/\w/);
    }
    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts });
    const again = await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }));
    expect([again.code, again.rawCode, again.registrarMessage]).toEqual(['already_pending', 2300, 'Object pending transfer']);
  });

  it('delivers the outcome through the poll queue as an "in" event that acks on request', async () => {
    await f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts });
    await f.other().approveTransferOut('theirs.test');
    const [event, ...rest] = await f.adapter.poll();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ kind: 'transfer', domain: 'theirs.test', direction: 'in', status: { kind: 'completed', expiryDate: new Date('2027-09-01T00:00:00Z') } });
    expect(await f.adapter.poll()).toHaveLength(1);
    await event!.ack();
    expect(await f.adapter.poll()).toEqual([]);
  });
});

describe('our domains', () => {
  beforeEach(() => {
    f.registry.state.addDomain({
      name: 'ours.test',
      clID: OUR_CLID,
      authInfo: 'Old-Code-99',
      statuses: ['clientDeleteProhibited'],
      crDate: new Date('2020-01-01T00:00:00Z'),
      exDate: new Date('2027-01-01T00:00:00Z'),
      trDate: new Date('2024-05-05T00:00:00Z'),
    });
  });

  it('reads domain info: sponsor, dates and statuses', async () => {
    expect(await f.adapter.getDomainInfo('ours.test')).toEqual({
      domain: 'ours.test',
      sponsoredByUs: true,
      registrar: OUR_CLID,
      statuses: ['clientDeleteProhibited'],
      createdAt: new Date('2020-01-01T00:00:00Z'),
      expiresAt: new Date('2027-01-01T00:00:00Z'),
      lastTransferredAt: new Date('2024-05-05T00:00:00Z'),
    });
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID });
    expect(await f.adapter.getDomainInfo('theirs.test')).toMatchObject({ sponsoredByUs: false, registrar: OTHER_CLID });
    expect((await rejection(f.adapter.getDomainInfo('missing.test'))).code).toBe('not_found');
  });

  it('locks and unlocks with clientTransferProhibited only, idempotently', async () => {
    expect(await f.adapter.getLock('ours.test')).toBe(false);
    await f.adapter.setLock('ours.test', true);
    await f.adapter.setLock('ours.test', true);
    expect(await f.adapter.getLock('ours.test')).toBe(true);
    expect([...f.registry.state.domains.get('ours.test')!.statuses].sort()).toEqual(['clientDeleteProhibited', 'clientTransferProhibited']);
    await f.adapter.setLock('ours.test', false);
    expect([...f.registry.state.domains.get('ours.test')!.statuses]).toEqual(['clientDeleteProhibited']);
    const updates = f.registry.frames.map((x) => x.xml).filter((x) => x.includes('<domain:update'));
    expect(updates).toHaveLength(2);
    expect(updates[0]).toContain('<domain:add><domain:status s="clientTransferProhibited"/></domain:add>');
    expect(updates[1]).toContain('<domain:rem><domain:status s="clientTransferProhibited"/></domain:rem>');
    for (const u of updates) expect(u.match(/<domain:status /g)).toHaveLength(1);
  });

  it('refuses to lock a domain another registrar sponsors', async () => {
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID });
    expect((await rejection(f.adapter.setLock('theirs.test', true))).code).toBe('not_eligible');
  });

  it('sets a fresh strong auth code at the registry and returns it (RFC 9154)', async () => {
    const result = await f.adapter.getEppCode('ours.test');
    if (result.kind !== 'code') throw new Error('expected a code');
    expect(result.code).toHaveLength(24);
    expect(result.code).not.toBe('Old-Code-99');
    expect(f.registry.state.domains.get('ours.test')!.authInfo).toBe(result.code);
    // The code must actually work for the gaining registrar.
    expect(await f.other().transfer({ domain: 'ours.test', authCode: result.code, contacts })).toMatchObject({ kind: 'pending' });
  });

  it('unsets the code with <domain:null/> (RFC 9154), after which it opens no transfer', async () => {
    const result = await f.adapter.getEppCode('ours.test');
    if (result.kind !== 'code') throw new Error('expected a code');
    await f.adapter.clearEppCode('ours.test');
    const sent = f.registry.frames.map((x) => x.xml).find((x) => x.includes('<domain:null/>'))!;
    expect(sent).toContain('<domain:chg><domain:authInfo><domain:null/></domain:authInfo></domain:chg>');
    expect((await rejection(f.other().transfer({ domain: 'ours.test', authCode: result.code, contacts }))).code).toBe('auth_code_invalid');
    // Only the sponsor may: for anyone else the registry answers 2201.
    expect((await rejection(f.other().clearEppCode('ours.test'))).code).toBe('not_authorized');
  });

  it('reads the stored auth code when setFreshAuthInfo is off', async () => {
    await f.close();
    f = await startEppFixture({ adapter: { setFreshAuthInfo: false } });
    f.registry.state.addDomain({ name: 'ours.test', clID: OUR_CLID, authInfo: 'Old-Code-99' });
    expect(await f.adapter.getEppCode('ours.test')).toEqual({ kind: 'code', code: 'Old-Code-99' });
  });

  it('shows a transfer-out request in domain info and in the poll queue, and approves it', async () => {
    await f.other().transfer({ domain: 'ours.test', authCode: 'Old-Code-99', contacts });
    const info = await f.adapter.getDomainInfo('ours.test');
    expect(info.statuses).toContain('pendingTransfer');
    expect(info.pendingTransferOut).toEqual({
      gainingRegistrar: OTHER_CLID,
      requestedAt: f.clock.now(),
      actionDate: new Date(f.clock.now().getTime() + 5 * DAY),
    });
    const [event] = await f.adapter.poll();
    expect(event).toMatchObject({ domain: 'ours.test', direction: 'out', status: { kind: 'pending', actionDate: info.pendingTransferOut!.actionDate } });
    await event!.ack();
    await f.adapter.approveTransferOut('ours.test');
    expect(await f.adapter.getDomainInfo('ours.test')).toMatchObject({ sponsoredByUs: false, registrar: OTHER_CLID });
  });

  it('rejects a transfer-out request', async () => {
    await f.other().transfer({ domain: 'ours.test', authCode: 'Old-Code-99', contacts });
    await f.adapter.rejectTransferOut('ours.test', 'registrant objected');
    expect(await f.other().getTransferStatus('ours.test')).toEqual({ kind: 'rejected', reason: expect.stringContaining('clientRejected') });
    expect(f.logs.text()).toContain('registrant objected');
  });

  it('ends a transfer-out on cancelTransferOut with a reject, since only the requester may cancel', async () => {
    await f.other().transfer({ domain: 'ours.test', authCode: 'Old-Code-99', contacts });
    await f.adapter.cancelTransferOut('ours.test');
    expect(f.registry.frames.at(-1)!.xml).toContain('<transfer op="reject">');
    expect((await f.adapter.getDomainInfo('ours.test')).pendingTransferOut).toBeUndefined();
    expect((await rejection(f.adapter.cancelTransferOut('ours.test'))).code).toBe('not_found');
  });

  it('does not mistake another registrar\'s transfer record for our request', async () => {
    await f.other().transfer({ domain: 'ours.test', authCode: 'Old-Code-99', contacts });
    await f.adapter.approveTransferOut('ours.test');
    expect(await f.adapter.getTransferStatus('ours.test')).toEqual({ kind: 'rejected', reason: expect.stringContaining(OTHER_CLID) });
  });

  it('acks and skips poll messages that are not about transfers', async () => {
    f.registry.state.enqueue(OUR_CLID, 'Registry maintenance on Sunday');
    f.registry.state.enqueue(OUR_CLID, 'Another notice');
    expect(await f.adapter.poll()).toEqual([]);
    expect(f.registry.state.messages(OUR_CLID)).toEqual([]);
  });
});

describe('registries that prefix the domain namespace differently', () => {
  it.each(['dom', ''])('works with prefix "%s"', async (domainPrefix) => {
    await f.close();
    f = await startEppFixture({ registry: { domainPrefix } });
    f.registry.state.addDomain({ name: 'theirs.test', clID: OTHER_CLID, authInfo: 'Right-Code-1', statuses: ['serverTransferProhibited'] });
    expect(await f.adapter.getDomainInfo('theirs.test')).toMatchObject({ registrar: OTHER_CLID, statuses: ['serverTransferProhibited'] });
    expect((await rejection(f.adapter.transfer({ domain: 'theirs.test', authCode: 'Right-Code-1', contacts }))).code).toBe('transfer_prohibited');
  });
});
