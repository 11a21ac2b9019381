import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { canTransition, createPendingDomain, DOMAIN_STATUSES, ForbiddenTransitionError, transitionDomain, type DomainStatus } from './domain-status.machine.ts';

const db = useMigratedDatabase();
const at = new Date('2026-05-01T00:00:00Z');

async function pendingDomain(name = 'example.com'): Promise<number> {
  return db.knex.transaction((trx) => createPendingDomain(trx, { domain: name, clientId: 'c1', registrarId: 'sandbox', transferOrderId: null }, 'test', 'test', at));
}

describe('the domain status machine', () => {
  const allowed: Array<[DomainStatus, DomainStatus]> = [
    ['pending', 'active'],
    ['pending', 'cancelled'],
    ['active', 'transferred_away'],
    ['cancelled', 'pending'],
    ['transferred_away', 'pending'],
  ];

  it('allows exactly the documented transitions', () => {
    for (const from of DOMAIN_STATUSES) {
      for (const to of DOMAIN_STATUSES) {
        expect(canTransition(from, to), `${from}→${to}`).toBe(allowed.some(([f, t]) => f === from && t === to));
      }
    }
  });

  it('applies an allowed transition with the extra fields and a history row naming the cause', async () => {
    const id = await pendingDomain();
    const applied = await transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'active', cause: 'transfer.completed', actor: 'sync:1', at, patch: { expiry_date: 12345 } });
    expect(applied).toBe(true);
    expect(await db.knex('dt_domains').where({ id }).first()).toMatchObject({ status: 'active' });
    expect(Number((await db.knex('dt_domains').where({ id }).first()).expiry_date)).toBe(12345);
    const history = await db.knex('dt_domain_status_history').where({ domain_id: id }).orderBy('id');
    expect(history.map((h) => [h.from_status, h.to_status, h.cause, h.actor])).toEqual([
      [null, 'pending', 'test', 'test'],
      ['pending', 'active', 'transfer.completed', 'sync:1'],
    ]);
  });

  it('refuses a forbidden transition without touching the row', async () => {
    const id = await pendingDomain();
    await expect(transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'transferred_away', cause: 'x', actor: 'x', at })).rejects.toBeInstanceOf(ForbiddenTransitionError);
    expect((await db.knex('dt_domains').where({ id }).first()).status).toBe('pending');
  });

  it('lets only one of two concurrent writers apply a transition', async () => {
    const id = await pendingDomain();
    const results = await Promise.all([
      transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'active', cause: 'a', actor: 'a', at }),
      transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'cancelled', cause: 'b', actor: 'b', at }),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await db.knex('dt_domain_status_history').where({ domain_id: id })).toHaveLength(2);
  });
});
