import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { transferJobKey } from '../../module/transfer-in/transfer-order.service.ts';
import { countRows, createTransferWorld, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { createGate, markInvoicePaidQuietly, paidEventFor, placeUnpaidOrder } from './promises.support.ts';

const db = useMigratedDatabase();
const DOMAIN = 'demo-transferable.com';
const DUPLICATES = 40;

/** One transfer, one charge: what must hold however many times invoice.paid arrived. */
async function expectExactlyOneTransfer(world: TransferWorld, order: { id: number; order_item_id: string }) {
  const jobs = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' });
  expect(jobs).toHaveLength(1);
  // The job is keyed by its dispatch, so enqueueing it again for the same payment adds nothing.
  expect(jobs[0]).toMatchObject({ key: transferJobKey(order.order_item_id, 1), status: 'done', attempts: 1 });
  expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'submitted', dispatch_count: 1, epp_code_ciphertext: null });
  expect(await countRows(db, 'dt_sandbox_transfers', { domain: DOMAIN })).toBe(1);
  expect(await db.knex('host_outbox').where({ template: 'transfer.submitted' }).select('recipient_kind')).toEqual([{ recipient_kind: 'client' }]);
  expect(world.events.map((e) => e.name)).toEqual(['domain.transfer.requested']);
  expect(await db.knex('dt_domains').where({ domain: DOMAIN }).select('status')).toEqual([{ status: 'pending' }]);
  expect(await countRows(db, 'host_invoices')).toBe(1);
}

describe('invoice.paid delivered many times at once for an order still awaiting payment', () => {
  it('turns concurrent duplicates on the host bus, none processed yet, into one dispatch, one job and one registry request', async () => {
    const world = await createTransferWorld(db);
    const order = await placeUnpaidOrder(world, db, DOMAIN, SANDBOX_DEMO_AUTH_CODE);
    expect(order).toMatchObject({ status: 'awaiting_payment', dispatch_count: 0 });
    await markInvoicePaidQuietly(db, order.invoice_id, world.clock.now());

    const event = paidEventFor(order);
    await Promise.all(Array.from({ length: DUPLICATES }, () => world.host.bus.emit('invoice.paid', { ...event, items: [...event.items] })));
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob' })).toBe(1);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'queued', dispatch_count: 1 });

    await Promise.all([runJobs(world), runJobs(world)]);
    await expectExactlyOneTransfer(world, order);
    await world.host.close();
  });

  it('lets exactly one of the racing subscriptions win, and a straggler that read the order before the transfer was sent changes nothing', async () => {
    const world = await createTransferWorld(db);
    const order = await placeUnpaidOrder(world, db, DOMAIN, SANDBOX_DEMO_AUTH_CODE);
    await markInvoicePaidQuietly(db, order.invoice_id, world.clock.now());

    // Every delivery reads the order (still awaiting payment) and then asks the host's billing
    // about the invoice: a slow host holds them all there, then lets them go in two waves.
    // Which wave a delivery joins follows the delivery, not the order the database answered in.
    const gate = createGate(DUPLICATES);
    const delivery = new AsyncLocalStorage<number>();
    const billing = world.host.billing;
    const readInvoice = billing.getInvoice.bind(billing);
    billing.getInvoice = async (invoiceId: string) => {
      await gate.arrive(() => (delivery.getStore()! < DUPLICATES / 2 ? 1 : 2));
      return readInvoice(invoiceId);
    };

    const onInvoicePaid = world.host.module.services.transferOrders.onInvoicePaid.bind(world.host.module.services.transferOrders);
    const deliveries = Array.from({ length: DUPLICATES }, (_, i) => delivery.run(i, () => onInvoicePaid(paidEventFor(order))));
    await gate.everyoneHere;
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'awaiting_payment', dispatch_count: 0 });

    gate.open(1);
    const firstWave = await Promise.all(deliveries.slice(0, DUPLICATES / 2));
    expect(firstWave.reduce((sum, queued) => sum + queued, 0)).toBe(1);
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'submitted', dispatch_count: 1 });

    // The rest read the order before the transfer went out; they arrive after it.
    gate.open(2);
    const secondWave = await Promise.all(deliveries.slice(DUPLICATES / 2));
    expect(secondWave.reduce((sum, queued) => sum + queued, 0)).toBe(0);
    await runJobs(world);

    await expectExactlyOneTransfer(world, order);
    await world.host.close();
  });
});
