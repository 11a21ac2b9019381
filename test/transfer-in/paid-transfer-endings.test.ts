import { describe, expect, it } from 'vitest';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { DEMO, csrfOf, loginAs } from '../../host/test/host.test-support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const WRONG_CODE = 'Wrong-Code-4711';

/** Orders demo-wrong-code.com and pays it; the registry refuses the code, so the transfer waits for the client. */
async function paidAndFailed(world: TransferWorld): Promise<string> {
  const ordered = await orderTransfer(world, 'demo-wrong-code.com', WRONG_CODE);
  await payInvoice(world, ordered.headers.location!);
  await runJobs(world);
  expect((await db.knex('dt_transfer_orders').first()).status).toBe('failed');
  return ordered.headers.location!;
}

const ledger = () => db.knex('host_credit_ledger').orderBy('id').select('kind', 'amount_minor', 'currency', 'invoice_id', 'idempotency_key');

describe('a paid transfer that ends without the domain gives the money back (billing.onPaidTransferEnded: credit)', () => {
  it('says what happens to the money before the client confirms, credits it once, and shows it on the domain and invoice pages', async () => {
    const world = await createTransferWorld(db);
    const invoiceUrl = await paidAndFailed(world);

    const domainPage = await world.client.get('/client/domains/demo-wrong-code.com');
    expect(domainPage.text).toContain('href="/client/domains/demo-wrong-code.com/transfer/cancel"');
    const confirm = await world.client.get('/client/domains/demo-wrong-code.com/transfer/cancel');
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('You paid $10.99 for this transfer. It will be credited to your account at once');
    // A cancel posted without the confirmation lands on the confirmation, and changes nothing.
    const unconfirmed = await world.client.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: world.csrf });
    expect(unconfirmed.status).toBe(200);
    expect((await db.knex('dt_transfer_orders').first()).status).toBe('failed');

    const done = await world.client.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(await db.knex('dt_order_settlements').select('status', 'cause', 'amount_minor')).toEqual([{ status: 'crediting', cause: 'cancelled_by_client', amount_minor: 1099 }]);
    await runJobs(world);

    const invoiceId = Number(invoiceUrl.split('/').pop());
    expect(await ledger()).toEqual([{ kind: 'credit', amount_minor: 1099, currency: 'USD', invoice_id: invoiceId, idempotency_key: expect.stringMatching(/^domain-transfers:credit:\d+$/) }]);
    const settlement = await db.knex('dt_order_settlements').first();
    expect(settlement).toMatchObject({ status: 'credited', credit_id: expect.stringMatching(/^CN-\d+$/) });
    expect((await world.client.get('/client/domains/demo-wrong-code.com')).text).toContain(`$10.99 paid for this transfer was credited to your account on Jun 1, 2026 (credit note ${settlement.credit_id})`);
    expect((await world.client.get(invoiceUrl)).text).toContain(settlement.credit_id);
    expect((await db.knex('host_outbox').where({ template: 'settlement.credited' }).select('recipient_kind')).map((m) => m.recipient_kind)).toEqual(['client']);
    expect((await db.knex('host_services').first()).status).toBe('cancelled');

    // Ordering again is paid from the credit: no second charge.
    const again = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const page = await world.client.get(again.headers.location!);
    expect(page.text).toContain('Pay with account credit (balance $10.99)');
    const paid = await world.client.post(`${again.headers.location}/pay`).type('form').send({ _csrf: world.csrf, gateway: 'credit' });
    expect(paid.status).toBe(303);
    expect((await ledger()).map((row) => row.amount_minor)).toEqual([1099, -1099]);
    expect(await countRows(db, 'host_payments', { gateway: 'credit' })).toBe(1);
  });

  it('gives one credit for 20 concurrent cancels of one paid order item', async () => {
    const world = await createTransferWorld(db);
    await paidAndFailed(world);
    const clientId = (await db.knex('dt_transfer_orders').first()).client_id;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => world.host.module.services.transferOrders.cancel('demo-wrong-code.com', `client:${clientId}`, clientId)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await Promise.all([runJobs(world), runJobs(world)]);
    expect(await countRows(db, 'dt_order_settlements')).toBe(1);
    expect(await countRows(db, 'dt_jobs', { type: 'CreditOrderItemJob' })).toBe(1);
    expect(await ledger()).toHaveLength(1);
  });

  it('credits a transfer the registry rejects, once, whichever sync path sees it first', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    await world.host.module.sandbox()!.rejectPendingTransfer('demo-transferable.com', 'The registrant said no.');
    await Promise.all([world.host.module.runSync({ domain: 'demo-transferable.com' }), world.host.module.services.sync.push.pollAll()]);
    await runJobs(world);
    expect(await db.knex('dt_order_settlements').select('status', 'cause', 'reason')).toEqual([{ status: 'credited', cause: 'rejected', reason: 'The registrant said no.' }]);
    expect(await ledger()).toHaveLength(1);
  });
});

describe('billing.onPaidTransferEnded: admin_decides', () => {
  it('leaves the money to an admin, who credits it once however often the button is pressed, or records a refund made elsewhere', async () => {
    const world = await createTransferWorld(db, { config: { billing: { onPaidTransferEnded: 'admin_decides' } } });
    await paidAndFailed(world);
    expect((await world.client.get('/client/domains/demo-wrong-code.com/transfer/cancel')).text).toContain('Our staff will refund or credit it');
    await world.client.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    await runJobs(world);
    expect(await db.knex('dt_order_settlements').select('status')).toEqual([{ status: 'awaiting_admin' }]);
    expect(await db.knex('host_outbox').where({ template: 'settlement.awaiting_admin' }).select('recipient_kind')).toEqual([{ recipient_kind: 'admins' }]);
    expect(await ledger()).toEqual([]);

    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/domains/demo-wrong-code.com');
    expect(page.text).toContain('Credit $10.99 to the client&#x27;s account');
    const csrf = await csrfOf(admin, '/admin/domains/demo-wrong-code.com');
    const presses = await Promise.all(Array.from({ length: 10 }, () => admin.post('/admin/domains/demo-wrong-code.com/settlement/credit').type('form').send({ _csrf: csrf })));
    expect(presses.filter((r) => r.status === 303)).toHaveLength(1);
    expect(presses.filter((r) => r.status === 409)).toHaveLength(9);
    await runJobs(world);
    expect(await ledger()).toHaveLength(1);
    expect(await db.knex('dt_order_settlements').select('status', 'decided_by')).toEqual([{ status: 'credited', decided_by: expect.stringMatching(/^admin:/) }]);
  });

  it('records a refund made another way, with the note the client then reads', async () => {
    const world = await createTransferWorld(db, { config: { billing: { onPaidTransferEnded: 'admin_decides' } } });
    await paidAndFailed(world);
    await world.client.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/domains/demo-wrong-code.com');
    expect((await admin.post('/admin/domains/demo-wrong-code.com/settlement/settled-elsewhere').type('form').send({ _csrf: csrf, note: '' })).status).toBe(422);
    const settled = await admin.post('/admin/domains/demo-wrong-code.com/settlement/settled-elsewhere').type('form').send({ _csrf: csrf, note: 'Refunded to the card ending 4242.' });
    expect(settled.status).toBe(303);
    expect((await world.client.get('/client/domains/demo-wrong-code.com')).text).toContain('Refunded to the card ending 4242.');
    expect(await ledger()).toEqual([]);
  });
});
