import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import type { InvoicePaidEvent } from '../../module/index.ts';
import type { Host } from '../build-host.ts';
import { buildTestHost, clientIdOf, csrfOf, DEMO, loginAs, seedDemo } from '../test/host.test-support.ts';

const db = useMigratedDatabase();
let host: Host;
let paidEvents: InvoicePaidEvent[];

beforeEach(async () => {
  await seedDemo(db);
  host = buildTestHost(db);
  paidEvents = [];
  host.bus.on('invoice.paid', (event: InvoicePaidEvent) => void paidEvents.push(event));
});
afterEach(async () => {
  await host.close();
});

async function orderFor(email: string, domain = 'example.com', amountMinor = 1099) {
  return host.billing.createTransferOrder({
    clientId: await clientIdOf(host, email),
    domain,
    amountMinor,
    currency: 'USD',
    description: `Domain transfer: ${domain} (1 year)`,
  });
}

describe('the billing port', () => {
  it('creates an order, one order item, a service and an invoice with its line item for a transfer', async () => {
    const created = await orderFor(DEMO.client.email);
    expect(created.invoiceUrl).toBe(`/client/invoices/${created.invoiceId}`);

    const order = await db.knex('host_orders').where({ id: created.orderId }).first();
    expect(order.status).toBe('pending');
    const items = await db.knex('host_order_items').where({ order_id: created.orderId });
    expect(items).toHaveLength(1);
    expect(String(items[0].id)).toBe(created.orderItemId);
    expect(items[0]).toMatchObject({ product_type: 'domain_transfer', domain: 'example.com', amount_minor: 1099 });
    const services = await db.knex('host_services').where({ order_item_id: created.orderItemId });
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({ product_type: 'domain_transfer', domain: 'example.com', status: 'pending' });
    const lines = await db.knex('host_invoice_items').where({ invoice_id: created.invoiceId });
    expect(lines).toHaveLength(1);
    expect(String(lines[0].order_item_id)).toBe(created.orderItemId);

    expect(await host.billing.getInvoice(created.invoiceId)).toEqual({
      id: created.invoiceId,
      clientId: await clientIdOf(host, DEMO.client.email),
      status: 'unpaid',
      totalMinor: 1099,
      paidMinor: 0,
      currency: 'USD',
    });
  });

  it('answers getClient with the contact a registrar needs', async () => {
    const profile = await host.billing.getClient(await clientIdOf(host, DEMO.client.email));
    expect(profile?.contact).toEqual({
      name: 'Alex Demo',
      organization: 'Demo Hosting Ltd',
      email: 'client@example.com',
      phone: '+1.5555550100',
      address: { street: ['100 Example Street', 'Suite 5'], city: 'Springfield', state: 'IL', postcode: '62701', countryCode: 'US' },
    });
    expect(await host.billing.getClient('999999')).toBeNull();
    expect(await host.billing.getClient('not-an-id')).toBeNull();
  });

  it('cancels an order with its unpaid invoice and service', async () => {
    const created = await orderFor(DEMO.client.email);
    await host.billing.cancelOrder(created.orderId, 'abandoned');
    expect((await host.billing.getInvoice(created.invoiceId))?.status).toBe('cancelled');
    expect((await db.knex('host_services').where({ order_id: created.orderId }).first()).status).toBe('cancelled');
    expect((await db.knex('host_orders').where({ id: created.orderId }).first()).cancel_reason).toBe('abandoned');
  });

  it('cancels only the unpaid renewal invoices of the domain that left, and switches auto-renew', async () => {
    const clientId = Number(await clientIdOf(host, DEMO.client.email));
    const gone = await host.billing.createRenewalInvoice({ clientId, domain: 'gone.com', amountMinor: 1099, currency: 'USD', description: 'Renewal gone.com' });
    const kept = await host.billing.createRenewalInvoice({ clientId, domain: 'kept.com', amountMinor: 1099, currency: 'USD', description: 'Renewal kept.com' });
    expect(await host.billing.cancelUnpaidRenewalInvoices(String(clientId), 'gone.com')).toBe(1);
    expect(await host.billing.cancelUnpaidRenewalInvoices(String(clientId), 'gone.com')).toBe(0);
    expect((await host.billing.getInvoice(String(gone)))?.status).toBe('cancelled');
    expect((await host.billing.getInvoice(String(kept)))?.status).toBe('unpaid');

    const created = await orderFor(DEMO.client.email, 'auto.com');
    await host.billing.setAutoRenew(String(clientId), 'auto.com', false);
    const service = await db.knex('host_services').where({ order_item_id: created.orderItemId }).first();
    expect(Boolean(Number(service.auto_renew))).toBe(false);
  });
});

describe('paying an invoice on the simulated gateway', () => {
  it('pays in full, marks the invoice paid and emits invoice.paid once with paidInFull true', async () => {
    const created = await orderFor(DEMO.client.email);
    const agent = await loginAs(host, DEMO.client);
    const page = await agent.get(created.invoiceUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Domain transfer: example.com');
    const csrf = await csrfOf(agent, created.invoiceUrl);

    const paid = await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf });
    expect(paid.status).toBe(303);
    expect(paidEvents).toEqual([
      {
        invoiceId: created.invoiceId,
        clientId: await clientIdOf(host, DEMO.client.email),
        paidInFull: true,
        items: [{ orderItemId: created.orderItemId, description: 'Domain transfer: example.com (1 year)' }],
      },
    ]);
    expect(await host.billing.getInvoice(created.invoiceId)).toMatchObject({ status: 'paid', paidMinor: 1099 });
    expect((await db.knex('host_services').where({ order_item_id: created.orderItemId }).first()).status).toBe('pending_transfer'); // until the module reports the domain arrived
    const after = await agent.get(created.invoiceUrl);
    expect(after.text).toContain('invoice is paid');
  });

  it('refuses to charge a paid invoice again, with a clear message and no second event', async () => {
    const created = await orderFor(DEMO.client.email);
    const agent = await loginAs(host, DEMO.client);
    const csrf = await csrfOf(agent, created.invoiceUrl);
    await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf });
    const again = await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`Invoice #${created.invoiceId} is already paid. Nothing was charged this time.`);
    expect(paidEvents).toHaveLength(1);
    expect(await db.knex('host_payments').where({ invoice_id: created.invoiceId })).toHaveLength(1);
  });

  it('records a partial payment with paidInFull false, then the rest with paidInFull true', async () => {
    const created = await orderFor(DEMO.client.email);
    const agent = await loginAs(host, DEMO.client);
    const csrf = await csrfOf(agent, created.invoiceUrl);

    await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf, amount: '5.00' });
    expect(paidEvents.map((e) => e.paidInFull)).toEqual([false]);
    expect(await host.billing.getInvoice(created.invoiceId)).toMatchObject({ status: 'unpaid', paidMinor: 500 });

    const tooMuch = await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf, amount: '100' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('more than the balance due (5.99)');

    await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf, amount: '5.99' });
    expect(paidEvents.map((e) => e.paidInFull)).toEqual([false, true]);
    expect(await host.billing.getInvoice(created.invoiceId)).toMatchObject({ status: 'paid', paidMinor: 1099 });
  });

  it('charges once when the same payment is submitted twice at the same moment', async () => {
    const created = await orderFor(DEMO.client.email);
    const results = await Promise.allSettled([
      host.payments.pay({ invoiceId: Number(created.invoiceId), gateway: 'simulated', recordedBy: 'test' }),
      host.payments.pay({ invoiceId: Number(created.invoiceId), gateway: 'simulated', recordedBy: 'test' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await db.knex('host_payments').where({ invoice_id: created.invoiceId })).toHaveLength(1);
    expect(paidEvents).toHaveLength(1);
  });

  it('refuses the pay POST without a CSRF token (403) and charges nothing', async () => {
    const created = await orderFor(DEMO.client.email);
    const agent = await loginAs(host, DEMO.client);
    const response = await agent.post(`${created.invoiceUrl}/pay`).type('form').send({});
    expect(response.status).toBe(403);
    expect(await host.billing.getInvoice(created.invoiceId)).toMatchObject({ status: 'unpaid', paidMinor: 0 });
    expect(paidEvents).toHaveLength(0);
  });

  it("answers 404 for another client's invoice, to view or to pay", async () => {
    const created = await orderFor(DEMO.otherClient.email);
    const agent = await loginAs(host, DEMO.client);
    expect((await agent.get(created.invoiceUrl)).status).toBe(404);
    const csrf = await csrfOf(agent, '/client');
    expect((await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf })).status).toBe(404);
    expect((await agent.get('/client/invoices/abc')).status).toBe(404);
    const list = await agent.get('/client/invoices');
    expect(list.text).not.toContain(`#${created.invoiceId}<`);
    expect(paidEvents).toHaveLength(0);
  });

  it('lets an admin mark an invoice paid, which emits invoice.paid', async () => {
    const created = await orderFor(DEMO.client.email);
    const agent = await loginAs(host, DEMO.admin);
    const csrf = await csrfOf(agent, '/admin/invoices');
    const response = await agent.post(`/admin/invoices/${created.invoiceId}/mark-paid`).type('form').send({ _csrf: csrf });
    expect(response.status).toBe(303);
    expect(paidEvents).toHaveLength(1);
    expect(paidEvents[0]!.paidInFull).toBe(true);
    const payment = await db.knex('host_payments').where({ invoice_id: created.invoiceId }).first();
    expect(payment.gateway).toBe('admin');
    const page = await agent.get('/admin/invoices');
    expect(page.text).toContain(`Invoice #${created.invoiceId} is marked paid`);
  });
});

describe('admin pages', () => {
  it('lists services with client, product, domain, status, order, invoice and a link to the module page', async () => {
    const created = await orderFor(DEMO.client.email, 'listed.com');
    const agent = await loginAs(host, DEMO.admin);
    const page = await agent.get('/admin/services');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/admin/domains/listed.com"');
    expect(page.text).toContain('Alex Demo');
    expect(page.text).toContain('Domain transfer');
    expect(page.text).toContain(`#${created.orderId}`);
    expect(page.text).toContain(`#${created.invoiceId}`);
  });

  it('lists clients with their contact details, in Chinese when asked', async () => {
    const agent = await loginAs(host, DEMO.admin);
    const page = await agent.get('/admin/clients?lang=zh-CN');
    expect(page.text).toContain('联系方式');
    expect(page.text).toContain('王小明');
    expect(page.text).toContain('+1.5555550100');
  });

  it('answers an admin page in the language of Accept-Language', async () => {
    const agent = await loginAs(host, DEMO.admin);
    const page = await agent.get('/admin').set('Accept-Language', 'zh-CN,zh;q=0.9');
    expect(page.text).toContain('账务与账户');
  });
});

describe('the anonymous client', () => {
  it('cannot reach the pay page', async () => {
    const created = await orderFor(DEMO.client.email);
    const response = await request(host.app).post(`${created.invoiceUrl}/pay`).type('form').send({});
    expect(response.status).toBe(303);
    expect(paidEvents).toHaveLength(0);
  });
});

describe('when a listener of invoice.paid fails', () => {
  it('keeps the payment, tells the client, and lets an admin pass the invoice on again', async () => {
    const created = await orderFor(DEMO.client.email);
    let failing = true;
    host.bus.on('invoice.paid', () => {
      if (failing) throw new Error('listener down');
    });
    const agent = await loginAs(host, DEMO.client);
    const csrf = await csrfOf(agent, created.invoiceUrl);
    await agent.post(`${created.invoiceUrl}/pay`).type('form').send({ _csrf: csrf });
    expect(await host.billing.getInvoice(created.invoiceId)).toMatchObject({ status: 'paid' });
    expect((await agent.get(created.invoiceUrl)).text).toContain('The payment is recorded, but the order could not be processed yet.');

    failing = false;
    const admin = await loginAs(host, DEMO.admin);
    const adminCsrf = await csrfOf(admin, '/admin/invoices');
    expect((await admin.get('/admin/invoices')).text).toContain(`/admin/invoices/${created.invoiceId}/notify`);
    await admin.post(`/admin/invoices/${created.invoiceId}/notify`).type('form').send({ _csrf: adminCsrf });
    expect(paidEvents.filter((e) => e.paidInFull)).toHaveLength(2);
    const invoice = await db.knex('host_invoices').where({ id: created.invoiceId }).first();
    expect(invoice.paid_event_at).not.toBeNull();
  });
});

describe('the notifications page', () => {
  it('lists what the notifier recorded, for admins', async () => {
    await host.notifier.notify({ to: { kind: 'admins' }, template: 'transfer.failed', subject: 'Transfer of x.com failed', text: 'No.', params: {} });
    const agent = await loginAs(host, DEMO.admin);
    const page = await agent.get('/admin/outbox');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Transfer of x.com failed');
    expect(page.text).toContain('Recorded');
  });
});

describe('services follow the module hooks', () => {
  const base = { clientId: '', registrarId: 'sandbox', orderId: null, invoiceId: null, eventId: 'e', occurredAt: new Date(0).toISOString() };

  it('sets the status of every service named by events that arrive together, with one statement per status', async () => {
    const first = await orderFor(DEMO.client.email, 'one.com');
    const second = await orderFor(DEMO.client.email, 'two.com');
    const third = await orderFor(DEMO.client.email, 'three.com');
    const statements: string[] = [];
    const trace = (query: { sql: string }) => void (query.sql.includes('host_services') && statements.push(query.sql));
    db.knex.on('query', trace);
    try {
      await Promise.all([
        host.bus.emit('domain.transfer.completed', { ...base, domain: 'one.com', orderItemId: first.orderItemId, expiryDate: '2028-01-01' }),
        host.bus.emit('domain.transfer.completed', { ...base, domain: 'two.com', orderItemId: second.orderItemId, expiryDate: '2028-01-01' }),
        host.bus.emit('domain.transfer.failed', { ...base, domain: 'three.com', orderItemId: third.orderItemId, code: 'wrong_code', reason: 'x' }),
      ]);
    } finally {
      db.knex.off('query', trace);
    }
    const status = async (itemId: string) => (await db.knex('host_services').where({ order_item_id: itemId }).first()).status;
    expect([await status(first.orderItemId), await status(second.orderItemId), await status(third.orderItemId)]).toEqual(['active', 'active', 'transfer_failed']);
    expect(statements).toHaveLength(2);
  });
});
