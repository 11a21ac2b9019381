import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, databaseText, orderTransfer, payInvoice, runJobs } from './transfer-in.support.ts';

const db = useMigratedDatabase();

describe('a client transfers a domain in: order → invoice → payment → job → pending', () => {
  it('ends with a pending domain at the registrar, the code purged, and the client told', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });

    const ordered = await orderTransfer(world, 'Demo-Transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(ordered.status).toBe(303);
    const invoiceUrl = ordered.headers.location!;
    expect(invoiceUrl).toMatch(/^\/client\/invoices\/\d+$/);

    const invoicePage = await world.client.get(invoiceUrl);
    expect(invoicePage.status).toBe(200);
    expect(invoicePage.text).toContain('demo-transferable.com');
    const order = await db.knex('dt_transfer_orders').first();
    expect(order).toMatchObject({ domain: 'demo-transferable.com', status: 'awaiting_payment', amount_minor: 1099, currency: 'USD' });
    expect(order.epp_code_ciphertext).toMatch(/^v1\./);
    expect(await countRows(db, 'dt_jobs')).toBe(0);

    await payInvoice(world, invoiceUrl);
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob', status: 'queued' })).toBe(1);
    // The transfer, then the delivery of the message and of the hook about it.
    expect(await runJobs(world)).toBe(3);

    const domain = await db.knex('dt_domains').where({ domain: 'demo-transferable.com' }).first();
    expect(domain).toMatchObject({ status: 'pending', registrar_id: 'sandbox', failure_code: null });
    expect(domain.registrar_ref).toBeTruthy();
    const after = await db.knex('dt_transfer_orders').where({ id: order.id }).first();
    expect(after).toMatchObject({ status: 'submitted', epp_code_ciphertext: null, open_domain: null });
    expect(after.epp_code_purged_at).not.toBeNull();
    expect(await db.knex('dt_provisioning_log').where({ domain: 'demo-transferable.com' }).select('action', 'outcome', 'message')).toEqual([{ action: 'transfer.request', outcome: 'ok', message: `accepted (${domain.registrar_ref})` }]);
    expect(await db.knex('dt_domain_status_history').where({ domain_id: domain.id }).select('to_status', 'cause')).toEqual([{ to_status: 'pending', cause: 'transfer.requested' }]);
    expect(world.events.map((e) => e.name)).toEqual(['domain.transfer.requested']);
    const transfer = await db.knex('dt_sandbox_transfers').where({ domain: 'demo-transferable.com' }).first();
    expect(world.events[0]!.payload).toMatchObject({ domain: 'demo-transferable.com', reference: domain.registrar_ref, actionDate: new Date(Number(transfer.action_date)).toISOString() });
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'done', attempts: 1 });
    expect(await db.knex('host_outbox').select('recipient_kind', 'template', 'client_id')).toEqual([{ recipient_kind: 'client', template: 'transfer.submitted', client_id: Number(order.client_id) }]);

    const page = await world.client.get('/client/domains/demo-transferable.com');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Pending');

    // The code is nowhere: not in any of our tables, not in any log line.
    expect(await databaseText(db)).not.toContain(SANDBOX_DEMO_AUTH_CODE);
    expect(capture.text()).not.toContain(SANDBOX_DEMO_AUTH_CODE);
    await world.host.close();
  });

  it('does nothing on a partial payment', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const order = await db.knex('dt_transfer_orders').first();
    await world.host.bus.emit('invoice.paid', { invoiceId: order.invoice_id, clientId: order.client_id, paidInFull: false, items: [{ orderItemId: order.order_item_id }] });
    expect(ordered.status).toBe(303);
    expect(await countRows(db, 'dt_jobs')).toBe(0);
    expect((await db.knex('dt_transfer_orders').first()).status).toBe('awaiting_payment');
    await world.host.close();
  });

  it('turns 50 concurrent duplicate invoice.paid events into one job and one registrar call', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    const order = await db.knex('dt_transfer_orders').first();
    const event = { invoiceId: order.invoice_id, clientId: order.client_id, paidInFull: true, items: [{ orderItemId: order.order_item_id }] };
    await Promise.all(Array.from({ length: 50 }, () => world.host.bus.emit('invoice.paid', event)));
    expect(await countRows(db, 'dt_jobs')).toBe(1);
    await Promise.all([runJobs(world), runJobs(world)]);
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: 'demo-transferable.com' })).toBe(1);
    expect(await countRows(db, 'dt_domains')).toBe(1);
    await world.host.close();
  });
});
