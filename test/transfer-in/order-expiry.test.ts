import { describe, expect, it } from 'vitest';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { DEMO, csrfOf, loginAs } from '../../host/test/host.test-support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import type { OrderExpirySummary } from '../../module/transfer-in/order-expiry.task.ts';
import type { SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const DAY = 24 * 60 * 60 * 1000;

const expiryTask = (world: TransferWorld) => world.host.module.cronTasks.find((t) => t.id === 'expire-transfer-orders')!;

async function runExpiry(world: TransferWorld, signal?: AbortSignal): Promise<OrderExpirySummary> {
  return (await expiryTask(world).execute({ trigger: 'cli', signal })) as OrderExpirySummary;
}

/** `count` unpaid transfer orders placed the way the order page places them. */
async function unpaidOrders(world: TransferWorld, count: number): Promise<void> {
  const client = await world.host.accounts.findUserByEmail(DEMO.client.email);
  const names = Array.from({ length: count }, (_, i) => `expiry-${String(i).padStart(4, '0')}.com`);
  await (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry.addDomains(names.map((name) => ({ name })));
  for (const domain of names) await world.host.module.services.transferOrders.placeOrder(String(client!.client_id), { domain, eppCode: SANDBOX_DEMO_AUTH_CODE });
}

describe('orders nobody finishes', () => {
  it('cancels an unpaid order after orders.unpaidExpiryDays, releasing the domain for another client', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(ordered.status).toBe(303);

    // Another client is told only that it cannot be ordered now: not that someone has an order.
    const other = await loginAs(world.host, DEMO.otherClient);
    const otherCsrf = await csrfOf(other, '/client/order/domain?action=transfer');
    const refused = await other.post('/client/order/domain?action=transfer').type('form').send({ _csrf: otherCsrf, domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(refused.status).toBe(409);
    expect(refused.text).toMatch(/demo-transferable\.com (cannot be ordered right now|目前无法订购)/);
    expect(refused.text).not.toMatch(/already open|进行中/);

    world.clock.advance(6 * DAY);
    expect(await runExpiry(world)).toMatchObject({ expiredUnpaid: 0, abandoned: 0 });
    world.clock.advance(2 * DAY);
    expect(await runExpiry(world)).toMatchObject({ expiredUnpaid: 1, abandoned: 0 });

    const order = await db.knex('dt_transfer_orders').first();
    expect(order).toMatchObject({ status: 'cancelled', open_domain: null, epp_code_ciphertext: null });
    expect((await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).first()).status).toBe('cancelled');
    expect(await db.knex('dt_order_settlements').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    const now = await other.post('/client/order/domain?action=transfer').type('form').send({ _csrf: otherCsrf, domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(now.status).toBe(303);
  });

  it('never cancels an order whose invoice is partly paid: the client is told why, and expiry leaves it to an admin', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const invoiceUrl = ordered.headers.location!;
    expect((await world.client.post(`${invoiceUrl}/pay`).type('form').send({ _csrf: world.csrf, amount: '5.00' })).status).toBeLessThan(400);

    const cancel = await world.client.post('/client/domains/demo-transferable.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    expect(cancel.status).toBe(409);
    expect(cancel.text).toContain('Part of this order');
    world.clock.advance(30 * DAY);
    expect(await runExpiry(world)).toMatchObject({ expiredUnpaid: 0 });
    expect(await db.knex('dt_transfer_orders').first('status')).toEqual({ status: 'awaiting_payment' });
    expect(await db.knex('host_invoices').first('status', 'paid_minor')).toEqual({ status: 'unpaid', paid_minor: 500 });
    await world.host.close();
  });

  it('ends a paid transfer the client left failed after orders.abandonFailedAfterDays, and credits it', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-wrong-code.com', 'Wrong-Code-4711');
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    world.clock.advance(29 * DAY);
    expect(await runExpiry(world)).toMatchObject({ abandoned: 0 });
    world.clock.advance(2 * DAY);
    expect(await runExpiry(world)).toMatchObject({ abandoned: 1 });
    await runJobs(world);
    expect(await db.knex('dt_order_settlements').select('cause', 'status')).toEqual([{ cause: 'abandoned', status: 'credited' }]);
    expect(await db.knex('host_credit_ledger').select('amount_minor')).toEqual([{ amount_minor: 1099 }]);
  });

  it('runs every hour, in UTC', async () => {
    const world = await createTransferWorld(db);
    expect(expiryTask(world)).toMatchObject({ schedule: 'every 60 min', timezone: 'UTC', description: 'Cancels unpaid transfer orders and abandoned failed ones, releasing their domains.' });
    await world.host.close();
  });

  it('goes through more orders than one page holds, and logs what it ended', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });
    await unpaidOrders(world, 201);
    world.clock.advance(8 * DAY);
    const summary = await runExpiry(world);
    expect(summary).toMatchObject({ expiredUnpaid: 201, abandoned: 0 });
    expect(summary.durationMs).toBeGreaterThanOrEqual(0);
    expect(summary.durationMs).toBeLessThan(120_000);
    expect(await db.knex('dt_transfer_orders').whereNot({ status: 'cancelled' }).count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(capture.entries().filter((e) => e.msg === 'expired transfer orders')).toEqual([expect.objectContaining({ expiredUnpaid: 201, abandoned: 0 })]);
    await world.host.close();
  }, 120_000);

  it('logs nothing when nothing was due, and stops when the run is cancelled', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });
    await unpaidOrders(world, 2);
    expect(await runExpiry(world)).toMatchObject({ expiredUnpaid: 0, abandoned: 0 });
    expect(capture.entries().filter((e) => e.msg === 'expired transfer orders')).toEqual([]);
    world.clock.advance(8 * DAY);
    expect(await runExpiry(world, AbortSignal.abort())).toMatchObject({ expiredUnpaid: 0, abandoned: 0 });
    expect(await db.knex('dt_transfer_orders').where({ status: 'awaiting_payment' }).count({ n: '*' }).first()).toMatchObject({ n: 2 });
    await world.host.close();
  });

  it('says why and by whom each order ended: in the domain history, the settlement and the event', async () => {
    const world = await createTransferWorld(db);
    await payInvoice(world, (await orderTransfer(world, 'demo-wrong-code.com', 'Wrong-Code-4711')).headers.location!);
    await runJobs(world);
    await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    world.clock.advance(31 * DAY);
    expect(await runExpiry(world)).toMatchObject({ expiredUnpaid: 1, abandoned: 1 });
    await runJobs(world);
    const history = await db.knex('dt_domain_status_history').where({ to_status: 'cancelled' }).select('cause', 'actor', 'detail');
    expect(history).toEqual([{ cause: 'transfer.cancelled', actor: 'expiry', detail: 'not corrected or cancelled within 30 days' }]);
    expect(await db.knex('dt_order_settlements').select('cause', 'reason')).toEqual([{ cause: 'abandoned', reason: 'not corrected or cancelled within 30 days' }]);
    const cancelled = world.events.filter((e) => e.name === 'domain.transfer.cancelled').map((e) => e.payload as Record<string, unknown>);
    expect(cancelled.map((e) => [e.domain, e.cancelledBy, e.reason, e.paid]).sort()).toEqual([
      ['demo-transferable.com', 'expiry', 'not paid within 7 days', false],
      ['demo-wrong-code.com', 'expiry', 'not corrected or cancelled within 30 days', true],
    ]);
    await world.host.close();
  });
});
