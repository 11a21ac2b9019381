import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { refuseInserts } from '../../test/support/refused-inserts.ts';
import { createPendingDomain, ForbiddenTransitionError, noteDomainEvent, transitionDomain } from './domain-status.machine.ts';
import { DomainQueries } from './domain.queries.ts';

const db = useMigratedDatabase();
const at = new Date('2026-05-01T00:00:00Z');

const pendingDomain = (name = 'example.com', extra: { registrarRef?: string; clientId?: string } = {}) =>
  db.knex.transaction((trx) => createPendingDomain(trx, { domain: name, clientId: extra.clientId ?? 'c1', registrarId: 'sandbox', transferOrderId: null, registrarRef: extra.registrarRef }, 'test', 'test', at));

/** Makes the database refuse a history row with this cause, as a full disk or a lost connection would mid-change. */
const refuseHistoryCause = (cause: string) => refuseInserts(db.knex, 'dt_domain_status_history', 'history refused', { column: 'cause', value: cause });

describe('a domain status change and its history', () => {
  it('are one write: when the history row cannot be written, the status does not change either', async () => {
    const id = await pendingDomain();
    const allow = await refuseHistoryCause('transfer.completed');
    try {
      await expect(transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'active', cause: 'transfer.completed', actor: 'sync:1', at, patch: { expiry_date: 1 } })).rejects.toThrow(/history refused/);
    } finally {
      await allow();
    }
    expect(await db.knex('dt_domains').where({ id }).first('status', 'expiry_date')).toEqual({ status: 'pending', expiry_date: null });
    expect(await db.knex('dt_domain_status_history').where({ domain_id: id }).pluck('cause')).toEqual(['test']);
  });

  it('join the transaction of a caller that already has one, and go with it when it rolls back', async () => {
    const id = await pendingDomain();
    await expect(
      db.knex.transaction(async (trx) => {
        expect(await transitionDomain(trx, { domainId: id, from: 'pending', to: 'cancelled', cause: 'transfer.cancelled', actor: 'client:1', at })).toBe(true);
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect((await db.knex('dt_domains').where({ id }).first()).status).toBe('pending');
    expect(await db.knex('dt_domain_status_history').where({ domain_id: id })).toHaveLength(1);
  });

  it('says which transition is forbidden', async () => {
    const id = await pendingDomain();
    const refused = await transitionDomain(db.knex, { domainId: id, from: 'active', to: 'cancelled', cause: 'x', actor: 'x', at }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ForbiddenTransitionError);
    expect(refused).toMatchObject({ name: 'ForbiddenTransitionError', message: 'a domain cannot go from active to cancelled', from: 'active', to: 'cancelled' });
  });

  it('keeps the registrar reference a pending domain was created with', async () => {
    const withRef = await pendingDomain('with-ref.com', { registrarRef: 'TRX-7781' });
    const withoutRef = await pendingDomain('without-ref.com');
    expect(await db.knex('dt_domains').whereIn('id', [withRef, withoutRef]).orderBy('domain').pluck('registrar_ref')).toEqual(['TRX-7781', null]);
  });

  it('records an event that changes nothing in the same history, its detail capped at 2,000 characters', async () => {
    const id = await pendingDomain();
    await db.knex.transaction(async (trx) => {
      await noteDomainEvent(trx, { domainId: id, status: 'pending', cause: 'transfer.refused', actor: 'job:4', detail: 'x'.repeat(2500) }, new Date(at.getTime() + 1000));
      await noteDomainEvent(trx, { domainId: id, status: 'pending', cause: 'transfer.resubmitted', actor: 'client:1' }, new Date(at.getTime() + 2000));
    });
    const rows = await db.knex('dt_domain_status_history').where({ domain_id: id }).orderBy('id').select('from_status', 'to_status', 'cause', 'actor', 'detail', 'created_at');
    expect(rows.slice(1).map((r) => ({ ...r, created_at: Number(r.created_at), detail: r.detail === null ? null : r.detail.length }))).toEqual([
      { from_status: 'pending', to_status: 'pending', cause: 'transfer.refused', actor: 'job:4', detail: 2000, created_at: at.getTime() + 1000 },
      { from_status: 'pending', to_status: 'pending', cause: 'transfer.resubmitted', actor: 'client:1', detail: null, created_at: at.getTime() + 2000 },
    ]);
  });
});

describe("a client's domain list", () => {
  it("holds the client's own domains, and only the orders still to be paid or sent to the registrar", async () => {
    await pendingDomain('mine.com', { clientId: 'c1' });
    await pendingDomain('theirs.com', { clientId: 'c2' });
    const order = (id: number, clientId: string, domain: string, status: string) => ({
      id, order_item_id: `item-${id}`, order_id: `order-${id}`, invoice_id: `inv-${id}`, client_id: clientId, domain, open_domain: null, registrar_id: 'sandbox',
      amount_minor: 1099, currency: 'USD', status, created_at: at.getTime(), updated_at: at.getTime(),
    });
    await db.knex('dt_transfer_orders').insert([
      order(1, 'c1', 'unpaid.com', 'awaiting_payment'),
      order(2, 'c1', 'queued.com', 'queued'),
      order(3, 'c1', 'done.com', 'submitted'),
      order(4, 'c1', 'dropped.com', 'cancelled'),
      order(5, 'c2', 'other-unpaid.com', 'awaiting_payment'),
    ]);
    const { domains, orders } = await new DomainQueries(db.knex).listForClient('c1');
    expect(domains.map((d) => d.domain)).toEqual(['mine.com']);
    expect(orders.map((o) => ({ ...o, id: Number(o.id), amount_minor: Number(o.amount_minor), created_at: Number(o.created_at) }))).toEqual([
      { id: 2, domain: 'queued.com', status: 'queued', invoice_id: 'inv-2', invoice_url: null, amount_minor: 1099, currency: 'USD', created_at: at.getTime() },
      { id: 1, domain: 'unpaid.com', status: 'awaiting_payment', invoice_id: 'inv-1', invoice_url: null, amount_minor: 1099, currency: 'USD', created_at: at.getTime() },
    ]);
  });

  it('is counted by status for the admin list', async () => {
    for (const name of ['a.com', 'b.com', 'c.com']) await pendingDomain(name);
    const id = await pendingDomain('d.com');
    await transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'active', cause: 'transfer.completed', actor: 'sync:1', at });
    expect(await new DomainQueries(db.knex).countsByStatus()).toEqual({ pending: 3, active: 1 });
  });
});
