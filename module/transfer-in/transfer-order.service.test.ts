import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { refuseInserts } from '../../test/support/refused-inserts.ts';
import { createTransferWorld } from '../../test/transfer-in/transfer-in.support.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { InputError } from '../errors.ts';

/**
 * The order service as the order page, the API and the host's invoice.paid hook call it:
 * what a malformed form is told, what the host is asked to invoice, and which payment events
 * start a transfer. Against the reference host's billing and a real database.
 */
const db = useMigratedDatabase();

async function world() {
  const w = await createTransferWorld(db);
  const clientId = await clientIdOf(w.host, DEMO.client.email);
  return { ...w, clientId, orders: w.host.module.services.transferOrders };
}

function formRefusal(parse: () => unknown): { key: string; field?: string } {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { key: (error as InputError).messageKey, field: (error as InputError).field };
  }
  throw new Error('expected a refusal');
}

describe('the order form', () => {
  it.each([
    [{ eppCode: 'Code-1234' }, 'transfer:errors.domain_required', 'domain'],
    [{ domain: 42, eppCode: 'Code-1234' }, 'transfer:errors.domain_required', 'domain'],
    [{ domain: 'x'.repeat(301), eppCode: 'Code-1234' }, 'transfer:errors.domain_required', 'domain'],
    [{ domain: 'example.com' }, 'transfer:errors.code_required', 'eppCode'],
    [{ domain: 'example.com', eppCode: ['a'] }, 'transfer:errors.code_required', 'eppCode'],
    [{ domain: 'example.com', eppCode: 'Code-1234', extra: 'x' }, 'errors.bad_request', undefined],
    [{ domain: 'example.com', eppCode: 'Code-1234', _csrf: 5 }, 'errors.bad_request', undefined],
    ['domain=example.com', 'errors.bad_request', undefined],
    [null, 'errors.bad_request', undefined],
  ])('refuses %j with %s', async (body, key, field) => {
    const w = await world();
    expect(formRefusal(() => w.orders.parseOrderForm(body))).toEqual({ key, field });
    await w.host.close();
  });

  it('takes the form the order page posts, its CSRF token and action included', async () => {
    const w = await world();
    expect(w.orders.parseOrderForm({ domain: ' Example.COM ', eppCode: 'Code-1234', _csrf: 't', action: 'transfer' })).toEqual({
      domain: { domain: 'example.com', unicode: 'example.com', suffix: 'com' },
      eppCode: 'Code-1234',
    });
    await w.host.close();
  });
});

describe('placing an order', () => {
  it('asks the host for an invoice line that names the domain as the client wrote it', async () => {
    const w = await world();
    await w.host.module.sandbox()!.addDomain({ name: 'xn--mnchen-3ya.com' });
    const { order } = await w.orders.placeOrder(w.clientId, { domain: 'münchen.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(await db.knex('host_order_items').where({ id: Number(order.order_item_id) }).first('description', 'amount_minor', 'currency')).toEqual({
      description: 'Domain transfer: münchen.com (includes 1-year renewal)',
      amount_minor: 1099,
      currency: 'USD',
    });
    await w.host.close();
  });

  it('passes on a database failure when the order is written, and takes back the host’s order', async () => {
    const w = await world();
    const lift = await refuseInserts(db.knex, 'dt_transfer_orders', 'disk full');
    try {
      await expect(w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE })).rejects.toThrow(/disk full/);
    } finally {
      await lift();
    }
    expect(await db.knex('host_orders').select('status')).toEqual([{ status: 'cancelled' }]);
    expect(await db.knex('dt_transfer_orders').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await w.host.close();
  });
});

describe('a payment event', () => {
  it('starts nothing unless it is a full payment of an invoice the host says is paid', async () => {
    const w = await world();
    const { order } = await w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    const items = [{ orderItemId: order.order_item_id }];
    const invoiceId = order.invoice_id;
    for (const event of [undefined, null, {}, { paidInFull: false, invoiceId, items }, { paidInFull: true, invoiceId, items: 'all' }, { paidInFull: true, invoiceId: '999999', items }, { paidInFull: true, invoiceId, items }]) {
      expect(await w.orders.onInvoicePaid(event as never), JSON.stringify(event)).toBe(0);
    }
    // The host's invoice is still unpaid: a forged or early event starts nothing.
    expect(await db.knex('dt_transfer_orders').first('status', 'dispatch_count')).toEqual({ status: 'awaiting_payment', dispatch_count: 0 });
    expect(await db.knex('dt_jobs').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await w.host.close();
  });

  it('a partly paid invoice starts nothing, even when the event says it is paid in full', async () => {
    const w = await world();
    const { order } = await w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).update({ status: 'paid', paid_minor: 500 });
    expect(await w.orders.onInvoicePaid({ paidInFull: true, invoiceId: order.invoice_id, items: [{ orderItemId: order.order_item_id }] } as never)).toBe(0);
    await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).update({ paid_minor: 1099 });
    expect(await w.orders.onInvoicePaid({ paidInFull: true, invoiceId: order.invoice_id, items: [{ orderItemId: order.order_item_id }] } as never)).toBe(1);
    expect(await db.knex('dt_transfer_orders').first('status')).toEqual({ status: 'queued' });
    await w.host.close();
  });
});
