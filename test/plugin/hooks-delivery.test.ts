import { describe, expect, it } from 'vitest';
import type { TransferCancelledEvent, TransferCompletedEvent, TransferRequestedEvent } from '../../module/index.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { loginAs, DEMO } from '../../host/test/host.test-support.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();
/** A version 7 UUID: time-ordered, its first 48 bits the milliseconds of the event. */
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LATER = 2 * 60 * 60 * 1000; // past any backoff of the first attempts

async function orderAndPay(world: TransferWorld, domain: string): Promise<void> {
  const ordered = await orderTransfer(world, domain, SANDBOX_DEMO_AUTH_CODE);
  await payInvoice(world, ordered.headers.location!);
}

describe('hooks the module emits are facts, delivered at least once from its outbox', () => {
  it('a listener that throws twice gets the event on the third delivery, and never again once it succeeded', async () => {
    const world = await createTransferWorld(db);
    const received: TransferRequestedEvent[] = [];
    let calls = 0;
    world.host.bus.on('domain.transfer.requested', (event: TransferRequestedEvent) => {
      calls++;
      if (calls <= 2) throw new Error(`host database busy (${calls})`);
      received.push(event);
    });
    await orderAndPay(world, 'demo-transferable.com');

    await runJobs(world);
    expect(calls).toBe(1);
    const [row] = await db.knex('dt_events').where({ name: 'domain.transfer.requested' });
    expect(row).toMatchObject({ delivered_at: null, delivery_attempts: 1, last_error: 'Error: host database busy (1)' });
    const delivery = await db.knex('dt_jobs').where({ type: 'DeliverEventsJob' }).first();
    expect(delivery).toMatchObject({ status: 'queued', attempts: 1 });
    expect(delivery.last_error).toContain('host database busy (1)');

    world.clock.advance(LATER);
    await runJobs(world);
    expect(calls).toBe(2);
    world.clock.advance(LATER);
    await runJobs(world);
    expect(calls).toBe(3);
    expect(received).toHaveLength(1);

    world.clock.advance(LATER);
    expect(await runJobs(world)).toBe(0);
    expect(calls).toBe(3);
    expect(await db.knex('dt_jobs').where({ id: delivery.id }).first()).toMatchObject({ status: 'done' });
    const delivered = await db.knex('dt_events').where({ id: row.id }).first();
    expect(delivered).toMatchObject({ delivery_attempts: 3, last_error: null });
    expect(delivered.delivered_at).not.toBeNull();
  });

  it('carries an event id, the time, and the host ids of the order, order item and invoice', async () => {
    const world = await createTransferWorld(db);
    const received: TransferRequestedEvent[] = [];
    world.host.bus.on('domain.transfer.requested', (event: TransferRequestedEvent) => void received.push(event));
    await orderAndPay(world, 'demo-transferable.com');
    await runJobs(world);

    const order = await db.knex('dt_transfer_orders').first();
    expect(received).toEqual([
      {
        eventId: expect.stringMatching(UUID_V7),
        occurredAt: world.clock.now().toISOString(),
        domain: 'demo-transferable.com',
        clientId: order.client_id,
        registrarId: 'sandbox',
        orderId: order.order_id,
        orderItemId: order.order_item_id,
        invoiceId: order.invoice_id,
        reference: expect.stringMatching(/^sandbox-transfer-\d+$/),
        actionDate: expect.any(String),
      },
    ]);
    expect(parseInt(received[0]!.eventId.replace(/-/g, '').slice(0, 12), 16)).toBe(world.clock.now().getTime());
    const item = await db.knex('host_order_items').where({ id: Number(order.order_item_id) }).first();
    expect(String(item.order_id)).toBe(order.order_id);
  });

  it('delivers the events of one domain in order: a completion waits while the request before it is owed', async () => {
    const world = await createTransferWorld(db);
    const received: string[] = [];
    let failRequested = true;
    world.host.bus.on('domain.transfer.requested', () => {
      if (failRequested) throw new Error('not yet');
      received.push('requested');
    });
    world.host.bus.on('domain.transfer.completed', (event: TransferCompletedEvent) => void received.push(`completed ${event.expiryDate.slice(0, 4)}`));
    await orderAndPay(world, 'demo-transferable.com');
    await runJobs(world);
    await world.host.module.sandbox()!.approvePendingTransfer('demo-transferable.com');
    const run = await world.host.module.runSync({ domain: 'demo-transferable.com' });
    expect(run.summary?.changed.completed).toBe(1);

    world.clock.advance(LATER);
    await runJobs(world);
    expect(received).toEqual([]);
    const held = await db.knex('dt_jobs').where({ type: 'DeliverEventsJob', status: 'queued' }).select('last_error');
    expect(held.map((j) => j.last_error).join('\n')).toContain('waits for an earlier event of the same domain');

    failRequested = false;
    world.clock.advance(LATER);
    await runJobs(world);
    world.clock.advance(LATER);
    await runJobs(world);
    expect(received).toEqual(['requested', expect.stringMatching(/^completed \d{4}$/)]);
  });

  it('after its last attempt the delivery is dead, shown in Admin → Jobs, the admin is alerted, and Retry delivers it', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, maxAttempts: 2 } } });
    let listenerUp = false;
    const received: string[] = [];
    world.host.bus.on('domain.transfer.requested', (event: TransferRequestedEvent) => {
      if (!listenerUp) throw new Error('billing system offline');
      received.push(event.eventId);
    });
    await orderAndPay(world, 'demo-transferable.com');
    await runJobs(world);
    world.clock.advance(LATER);
    await runJobs(world);

    const dead = await db.knex('dt_jobs').where({ type: 'DeliverEventsJob' }).first();
    expect(dead).toMatchObject({ status: 'dead', attempts: 2 });
    const admin = await loginAs(world.host, DEMO.admin);
    const jobsPage = await admin.get('/admin/jobs?status=dead');
    expect(jobsPage.text).toContain('Hook delivery');
    expect(jobsPage.text).toContain('billing system offline');
    await runJobs(world);
    expect(await db.knex('host_outbox').where({ template: 'job.dead' }).select('recipient_kind')).toEqual([{ recipient_kind: 'admins' }]);

    listenerUp = true;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(jobsPage.text)![1];
    expect((await admin.post(`/admin/jobs/${dead.id}/retry`).type('form').send({ _csrf: csrf })).status).toBe(303);
    await runJobs(world);
    expect(received).toHaveLength(1);
    expect(await db.knex('dt_jobs').where({ id: dead.id }).first()).toMatchObject({ status: 'done' });
  });

  it('tells the host when a client cancels a transfer, and whether it had been paid', async () => {
    const world = await createTransferWorld(db);
    const received: TransferCancelledEvent[] = [];
    world.host.bus.on('domain.transfer.cancelled', (event: TransferCancelledEvent) => void received.push(event));
    const unpaid = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(unpaid.status).toBe(303);
    await world.client.post('/client/domains/demo-transferable.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    const failed = await orderTransfer(world, 'demo-wrong-code.com', 'Wrong-Code-4711');
    await payInvoice(world, failed.headers.location!);
    await runJobs(world);
    await world.client.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    await runJobs(world);

    expect(received.map((e) => [e.domain, e.cancelledBy, e.paid])).toEqual([
      ['demo-transferable.com', 'client', false],
      ['demo-wrong-code.com', 'client', true],
    ]);
    expect(received[1]!.invoiceId).toBe((await db.knex('dt_transfer_orders').where({ domain: 'demo-wrong-code.com' }).first()).invoice_id);
  });
});
