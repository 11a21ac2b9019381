import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { ConflictError, InputError } from '../../module/errors.ts';
import { countRows, createOutWorld, OURS } from './transfer-out.support.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { refuseInserts } from '../support/refused-inserts.ts';

const db = useMigratedDatabase();

describe('adoptDomain refuses what it cannot manage, naming the field at fault, and writes nothing', () => {
  it('requires a client', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const adopt = world.host.module.services.adoptDomain;
    for (const clientId of [undefined, null, '', '   ']) {
      const refused = adopt({ domain: OURS, clientId: clientId as unknown as string, registrarId: 'sandbox' });
      await expect(refused, String(clientId)).rejects.toBeInstanceOf(InputError);
      await expect(refused).rejects.toMatchObject({ status: 422, messageKey: 'transfer_out:errors.client_required', field: 'clientId' });
    }
    expect(await countRows(db, 'dt_domains')).toBe(0);
    await world.host.close();
  });

  it('refuses a domain whose TLD no configured registrar serves, naming the TLD', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const adopt = world.host.module.services.adoptDomain;
    const refused = adopt({ domain: 'Example.CO.uk', clientId: world.clientId });
    await expect(refused).rejects.toBeInstanceOf(InputError);
    await expect(refused).rejects.toMatchObject({ status: 422, messageKey: 'rules:tld_not_offered', params: { tld: 'co.uk' }, field: 'registrarId' });
    expect(await countRows(db, 'dt_domains')).toBe(0);
    await world.host.close();
  });

  it('refuses a registrar that is not configured, even for a TLD that is routed elsewhere', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const refused = world.host.module.services.adoptDomain({ domain: OURS, clientId: world.clientId, registrarId: 'retired-registrar' });
    await expect(refused).rejects.toMatchObject({ status: 422, messageKey: 'rules:tld_not_offered', params: { tld: 'com' }, field: 'registrarId' });
    expect(await countRows(db, 'dt_domains')).toBe(0);
    await world.host.close();
  });
});

describe('adoptDomain called twice at once (two imports racing)', () => {
  it('creates the domain once and answers the other call as if it had been there before', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const adopt = world.host.module.services.adoptDomain;
    const expiryDate = new Date('2027-03-01T00:00:00Z');

    const results = await Promise.all([
      adopt({ domain: OURS, clientId: world.clientId, registrarId: 'sandbox', expiryDate }),
      adopt({ domain: OURS, clientId: world.clientId, registrarId: 'sandbox', expiryDate }),
    ]);
    const row = await db.knex('dt_domains').where({ domain: OURS }).first('id', 'status', 'client_id');
    expect(row).toMatchObject({ status: 'active', client_id: world.clientId });
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    for (const result of results) expect(result).toMatchObject({ id: Number(row.id), domain: OURS });
    expect(await countRows(db, 'dt_domains')).toBe(1);
    expect(await countRows(db, 'dt_domain_status_history')).toBe(1);
    await world.host.close();
  });

  it('lets one of two clients claiming the same domain at once have it, and refuses the other', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const adopt = world.host.module.services.adoptDomain;
    const expiryDate = new Date('2027-03-01T00:00:00Z');
    const clients = [world.clientId, world.otherClientId];

    const outcomes = await Promise.allSettled(clients.map((clientId) => adopt({ domain: OURS, clientId, registrarId: 'sandbox', expiryDate })));
    const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(outcomes[winner]).toMatchObject({ value: { domain: OURS, created: true } });
    const loser = outcomes[1 - winner]!;
    expect(loser.status).toBe('rejected');
    const reason = (loser as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ConflictError);
    expect(reason).toMatchObject({ status: 409, messageKey: 'rules:already_managed', params: { domain: OURS } });
    expect(await db.knex('dt_domains').pluck('client_id')).toEqual([clients[winner]]);
    await world.host.close();
  });

  it('settles a race that reached the insert: the same client gets its domain, another client a conflict', async () => {
    // Without an expiry date each call first asks the registrar, so both pass the check for an
    // existing row before either inserts: the unique index decides.
    const world = await createOutWorld(db, { adopt: [] });
    const adopt = world.host.module.services.adoptDomain;
    let inserts = 0;
    const count = (q: { sql: string }) => void (/^insert into [`"]dt_domains[`"]/.test(q.sql) && inserts++);
    db.knex.on('query', count);
    try {
      const same = await Promise.all([adopt({ domain: OURS, clientId: world.clientId }), adopt({ domain: OURS, clientId: world.clientId })]);
      expect(inserts).toBe(2);
      expect(same.map((r) => r.created).sort()).toEqual([false, true]);
      expect(new Set(same.map((r) => r.id)).size).toBe(1);

      await db.knex('dt_domain_status_history').del();
      await db.knex('dt_domains').del();
      inserts = 0;
      const outcomes = await Promise.allSettled([adopt({ domain: OURS, clientId: world.clientId }), adopt({ domain: OURS, clientId: world.otherClientId })]);
      expect(inserts).toBe(2);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const loser = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toMatchObject({ status: 409, messageKey: 'rules:already_managed', params: { domain: OURS } });
    } finally {
      db.knex.off('query', count);
    }
    await world.host.close();
  });
});

describe('adoptDomain and what is already there', () => {
  it('refuses a domain the same client has here in another state: a transfer on its way is not adopted over', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    await db.knex('dt_domains').where({ domain: OURS }).update({ status: 'pending' });
    const refused = world.host.module.services.adoptDomain({ domain: OURS, clientId: world.clientId, registrarId: 'sandbox' });
    await expect(refused).rejects.toMatchObject({ status: 409, messageKey: 'rules:already_managed' });
    expect(await db.knex('dt_domains').pluck('status')).toEqual(['pending']);
    await world.host.close();
  });

  it('adopts without an expiry date when the registrar cannot say, and says so in the log', async () => {
    const capture = createCaptureLogger();
    const world = await createOutWorld(db, { adopt: [], logger: capture.logger });
    await world.registry.addFault({ operation: 'getDomainInfo', kind: 'error', errorCode: 'transient', domainPattern: OURS, times: 1 });
    const adopted = await world.host.module.services.adoptDomain({ domain: OURS, clientId: world.clientId });
    expect(adopted.created).toBe(true);
    expect(await db.knex('dt_domains').where({ domain: OURS }).first('status', 'expiry_date')).toEqual({ status: 'active', expiry_date: null });
    const warning = capture.entries().find((l) => l.msg === 'adopting a domain without its expiry date');
    expect(warning).toMatchObject({ domain: OURS, registrar: 'sandbox', level: 40, err: expect.any(String) });
    await world.host.close();
  });

  it('passes a database failure on rather than calling it a conflict', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const allow = await refuseInserts(db.knex, 'dt_domains', 'domains refused');
    try {
      const refused = world.host.module.services.adoptDomain({ domain: OURS, clientId: world.clientId, registrarId: 'sandbox' });
      await expect(refused).rejects.toThrow(/domains refused/);
      await expect(refused).rejects.not.toBeInstanceOf(ConflictError);
    } finally {
      await allow();
    }
    expect(await countRows(db, 'dt_domains')).toBe(0);
    await world.host.close();
  });
});
