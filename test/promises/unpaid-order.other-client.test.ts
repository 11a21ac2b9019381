import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createTransferWorld } from '../transfer-in/transfer-in.support.ts';
import { placeUnpaidOrder } from './promises.support.ts';

const db = useMigratedDatabase();
const DOMAIN = 'demo-transferable.com';
/** A domain nobody ever ordered: what a stranger sees must not differ from it. */
const NEVER_ORDERED = 'never-ordered-anywhere.com';

/** Everything an action on the order could change: the order, the host's order and invoice, jobs, events, money. */
const WATCHED_TABLES = [
  'dt_transfer_orders',
  'dt_domains',
  'dt_domain_status_history',
  'dt_jobs',
  'dt_events',
  'dt_provisioning_log',
  'dt_order_settlements',
  'host_orders',
  'host_order_items',
  'host_invoices',
  'host_invoice_items',
  'host_payments',
  'host_services',
  'host_credit_ledger',
  'host_outbox',
];

/** The page with the name and the invoice id asked for (they appear in its own links) taken out. */
function normalised(html: string, domain: string, invoiceId: string): string {
  return html.replaceAll(domain, '<domain>').replaceAll(`/invoices/${invoiceId}`, '/invoices/<id>');
}

async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of WATCHED_TABLES) tables[table] = await db.knex(table).select('*').orderBy('id');
  return tables;
}

describe("another client's order that is not paid yet (no domain row exists)", () => {
  it('is invisible and untouchable to a different client: every page and action answers 404 and nothing changes', async () => {
    const world = await createTransferWorld(db);
    const order = await placeUnpaidOrder(world, db, DOMAIN, SANDBOX_DEMO_AUTH_CODE);
    expect(order).toMatchObject({ status: 'awaiting_payment' });
    expect(await db.knex('dt_domains').where({ domain: DOMAIN }).first()).toBeUndefined();
    // The owner sees it.
    expect((await world.client.get(`/client/domains/${DOMAIN}`)).status).toBe(200);
    expect((await world.client.get(`/client/domains/${DOMAIN}/transfer/cancel`)).status).toBe(200);

    const stranger = await loginAs(world.host, DEMO.otherClient);
    const csrf = await csrfOf(stranger, '/client/domains');
    const before = await snapshot();

    const attempts = (domain: string, invoiceId: string) => [
      ['GET domain page', stranger.get(`/client/domains/${domain}`)],
      ['GET cancel confirmation', stranger.get(`/client/domains/${domain}/transfer/cancel`)],
      ['POST cancel, unconfirmed', stranger.post(`/client/domains/${domain}/transfer/cancel`).type('form').send({ _csrf: csrf })],
      ['POST cancel, confirmed', stranger.post(`/client/domains/${domain}/transfer/cancel`).type('form').send({ _csrf: csrf, confirm: 'yes' })],
      ['POST corrected code', stranger.post(`/client/domains/${domain}/transfer/auth-code`).type('form').send({ _csrf: csrf, eppCode: SANDBOX_DEMO_AUTH_CODE })],
      ['GET invoice', stranger.get(`/client/invoices/${invoiceId}`)],
      ['POST pay invoice', stranger.post(`/client/invoices/${invoiceId}/pay`).type('form').send({ _csrf: csrf })],
      ['POST pay invoice with credit', stranger.post(`/client/invoices/${invoiceId}/pay`).type('form').send({ _csrf: csrf, gateway: 'credit' })],
    ] as const;

    // Sequentially, so each answer is read against the state the previous one left; each is
    // the very page a domain and an invoice that do not exist get.
    const strange = attempts(DOMAIN, String(order.invoice_id));
    const missing = attempts(NEVER_ORDERED, '999999');
    for (let i = 0; i < strange.length; i++) {
      const [what, request] = strange[i]!;
      const response = await request;
      expect(response.status, `${what} answered ${response.status}`).toBe(404);
      const nothing = await missing[i]![1];
      expect(nothing.status).toBe(404);
      expect(normalised(response.text, DOMAIN, String(order.invoice_id)), what).toBe(normalised(nothing.text, NEVER_ORDERED, '999999'));
    }

    const list = await stranger.get('/client/domains');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(DOMAIN);
    const invoices = await stranger.get('/client/invoices');
    expect(invoices.text).not.toContain(`/client/invoices/${order.invoice_id}"`);

    expect(await snapshot()).toEqual(before);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'awaiting_payment', open_domain: DOMAIN, epp_code_purged_at: null });
    expect((await db.knex('dt_transfer_orders').where({ id: order.id }).first()).epp_code_ciphertext).toMatch(/^v1\./);
    expect(await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).first()).toMatchObject({ status: 'unpaid', paid_minor: 0 });

    // The owner still has it, exactly as before.
    expect((await world.client.get(`/client/domains/${DOMAIN}`)).status).toBe(200);
    expect((await world.client.get(`/client/invoices/${order.invoice_id}`)).status).toBe(200);
    await world.host.close();
  });
});
