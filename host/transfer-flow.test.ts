import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../test/support/test-database.ts';
import type { InvoicePaidEvent } from '../module/index.ts';
import { csrfOf, DEMO, loginAs, useDemoHost } from './test/host.test-support.ts';

// The sandbox registry's documented demo code for its "valid" demo domains.
const SANDBOX_DEMO_CODE = 'Sandbox-Demo-2026!';

const db = useMigratedDatabase();
const demo = useDemoHost(db);

describe('a transfer ordered through the mounted module', () => {
  it('goes from the order form to a host invoice, and paying it queues the transfer job once', async () => {
    const events: InvoicePaidEvent[] = [];
    demo.host.bus.on('invoice.paid', (event: InvoicePaidEvent) => void events.push(event));
    const agent = await loginAs(demo.host, DEMO.client);
    const csrf = await csrfOf(agent, '/client/order/domain?action=transfer');

    const ordered = await agent
      .post('/client/order/domain?action=transfer')
      .type('form')
      .send({ _csrf: csrf, domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_CODE });
    expect(ordered.status, ordered.text).toBe(303);
    const invoiceUrl = ordered.headers.location as string;
    expect(invoiceUrl).toMatch(/^\/client\/invoices\/\d+$/);

    const invoicePage = await agent.get(invoiceUrl);
    expect(invoicePage.status).toBe(200);
    expect(invoicePage.text).toContain('demo-transferable.com');
    expect(invoicePage.text).not.toContain(SANDBOX_DEMO_CODE);
    const service = await db.knex('host_services').where({ domain: 'demo-transferable.com' }).first();
    expect(service).toMatchObject({ product_type: 'domain_transfer', status: 'pending' });

    const paid = await agent.post(`${invoiceUrl}/pay`).type('form').send({ _csrf: csrf });
    expect(paid.status).toBe(303);
    expect(events).toHaveLength(1);
    expect(events[0]!.paidInFull).toBe(true);
    const jobs = await db.knex('dt_jobs');
    expect(jobs).toHaveLength(1);
    const invoice = await db.knex('host_invoices').where({ id: invoiceUrl.split('/').pop() }).first();
    expect(invoice.paid_event_at).not.toBeNull();

    const admin = await loginAs(demo.host, DEMO.admin);
    const services = await admin.get('/admin/services');
    expect(services.text).toContain('href="/admin/domains/demo-transferable.com"');
    expect((await admin.get('/admin/domains/demo-transferable.com')).status).toBe(200);
  });
});
