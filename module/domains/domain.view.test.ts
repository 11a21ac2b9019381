import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import type { AdminPrincipal, ClientPrincipal } from '../host-context.ts';
import { createPendingDomain, transitionDomain } from './domain-status.machine.ts';
import { DomainQueries } from './domain.queries.ts';

const db = useMigratedDatabase();
const at = new Date('2026-05-01T00:00:00Z');
const client = (clientId: string): ClientPrincipal => ({ kind: 'client', clientId, sessionId: `s-${clientId}` });
const admin: AdminPrincipal = { kind: 'admin', adminId: '7', sessionId: 's-admin', permissions: '*' };

async function domainOf(clientId: string, name: string, orderId: number): Promise<number> {
  const id = await db.knex.transaction((trx) => createPendingDomain(trx, { domain: name, clientId, registrarId: 'sandbox', transferOrderId: orderId }, 'transfer.requested', `job:${orderId}`, at));
  await transitionDomain(db.knex, { domainId: id, from: 'pending', to: 'active', cause: 'transfer.completed', actor: 'sync:1', at });
  return id;
}

const order = (id: number, clientId: string, domain: string, status: string) => ({
  id, order_item_id: `item-${id}`, order_id: `order-${id}`, invoice_id: `inv-${id}`, client_id: clientId, domain, open_domain: null, registrar_id: 'sandbox',
  amount_minor: 1099, currency: 'USD', status, created_at: at.getTime(), updated_at: at.getTime(),
});
const settlement = (orderId: number, clientId: string, domain: string) => ({
  transfer_order_id: orderId, order_item_id: `item-${orderId}`, client_id: clientId, domain, amount_minor: 1099, currency: 'USD', cause: 'rejected', status: 'awaiting_admin', created_at: at.getTime(), updated_at: at.getTime(),
});
const logRow = (domain: string, orderId: number) => ({ domain, transfer_order_id: orderId, registrar_id: 'sandbox', action: 'transfer.request', outcome: 'ok', message: `asked for ${domain}`, created_at: at.getTime() });

describe('a domain page', () => {
  it("holds that domain's own history, log and order, never another's", async () => {
    await db.knex('dt_transfer_orders').insert([order(1, 'c1', 'mine.com', 'submitted'), order(2, 'c2', 'theirs.com', 'submitted')]);
    await domainOf('c1', 'mine.com', 1);
    await domainOf('c2', 'theirs.com', 2);
    await db.knex('dt_provisioning_log').insert([logRow('mine.com', 1), logRow('theirs.com', 2)]);
    await db.knex('dt_order_settlements').insert([settlement(2, 'c2', 'theirs.com'), settlement(1, 'c1', 'mine.com')]);

    const view = await new DomainQueries(db.knex).viewFor(client('c1'), 'mine.com');
    expect(view.history.map((h) => [h.from_status, h.to_status, h.actor])).toEqual([['pending', 'active', 'sync:1'], [null, 'pending', 'job:1']]);
    expect(view.log.map((l) => l.message)).toEqual(['asked for mine.com']);
    expect(Number(view.order?.id)).toBe(1);
    expect(Number(view.settlement?.transfer_order_id)).toBe(1);
  });

  it("shows the owner an order for the domain only when it is the owner's; an admin sees it", async () => {
    await db.knex('dt_transfer_orders').insert(order(1, 'c1', 'mine.com', 'submitted'));
    await domainOf('c1', 'mine.com', 1);
    // Another client later ordered the same name (refused at the registry, its money awaiting an admin).
    await db.knex('dt_transfer_orders').insert(order(2, 'c2', 'mine.com', 'failed'));
    await db.knex('dt_order_settlements').insert(settlement(2, 'c2', 'mine.com'));

    const owner = await new DomainQueries(db.knex).viewFor(client('c1'), 'mine.com');
    expect(owner.order).toBeUndefined();
    expect(owner.settlement).toBeUndefined();
    const staff = await new DomainQueries(db.knex).viewFor(admin, 'mine.com');
    expect(Number(staff.order?.id)).toBe(2);
    expect(Number(staff.settlement?.transfer_order_id)).toBe(2);
    await expect(new DomainQueries(db.knex).viewFor(client('c2'), 'mine.com')).rejects.toMatchObject({ status: 404 });
  });
});
