import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { clientIdOf, DEMO, TEST_ENCRYPTION_KEY } from '../../host/test/host.test-support.ts';
import { SecretBox } from '../../module/secret-box.ts';
import { SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { eppCodeAad } from '../../module/transfer-in/transfer-order.service.ts';
import { countRows, createTransferWorld, databaseText, orderTransfer, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();
const csv = (text: string) => Readable.from([Buffer.from(text, 'utf8')]);

/** A checked preview of `names` (each with code `code-<name>`), plus any extra lines, for the demo client. */
async function checkedPreview(world: TransferWorld, names: string[], extra: string[] = [], clientColumn = false) {
  await (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry.addDomains(names.map((name) => ({ name })));
  const clientId = await clientIdOf(world.host, DEMO.client.email);
  const body = clientColumn ? ['client,domain,auth_code', ...extra].join('\n') : [...names.map((n) => `${n},code-${n}`), ...extra].join('\n');
  const service = world.host.module.services.bulkImports;
  const created = await service.createFromCsv(csv(body), { actor: 'admin:1', defaultClientId: clientColumn ? undefined : clientId });
  await runJobs(world);
  return { service, clientId, bulk: await service.byPublicId(created.public_id) };
}

describe('bulk transfer by CSV: confirmation', () => {
  it('makes one order and one invoice for the accepted rows, moves each code to its order, and on payment one transfer job per domain', async () => {
    const world = await createTransferWorld(db);
    const names = ['bulk-a.com', 'bulk-b.com', 'bulk-c.net'];
    const { service, clientId, bulk } = await checkedPreview(world, names, ['demo-locked.com,code-locked']);
    expect(bulk).toMatchObject({ status: 'ready', accepted_rows: 3 });

    const confirming = await service.confirm(bulk.public_id, 'admin:1');
    expect(confirming.status).toBe('confirming');
    await runJobs(world);
    const done = await service.byPublicId(bulk.public_id);
    expect(done).toMatchObject({ status: 'confirmed', confirmed_by: 'admin:1', accepted_rows: 3 });

    const orders = await service.ordersOf(done.id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ client_id: clientId, domains: 3, currency: 'USD' });
    const invoice = await world.host.billing.invoiceRow(Number(orders[0]!.invoice_id));
    const items = await world.host.billing.invoiceItems(Number(orders[0]!.invoice_id));
    expect(items.map((i) => i.domain).sort()).toEqual(names.slice().sort());
    expect(invoice).toMatchObject({ status: 'unpaid', total_minor: orders[0]!.total_minor });
    expect(await countRows(db, 'host_orders')).toBe(1);

    // The preview keeps no code; each order holds its own, sealed to it.
    expect(await db.knex('dt_bulk_import_rows').whereNotNull('code_ciphertext').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    const box = new SecretBox(TEST_ENCRYPTION_KEY);
    for (const order of await db.knex('dt_transfer_orders').select('*')) {
      expect(order).toMatchObject({ status: 'awaiting_payment', client_id: clientId, order_id: orders[0]!.order_id });
      expect(box.open(order.epp_code_ciphertext, eppCodeAad(order))).toBe(`code-${order.domain}`);
    }
    const everything = await databaseText(db);
    for (const name of [...names, 'locked']) expect(everything).not.toContain(`code-${name}`);

    // Sent again, and its job run again: nothing more is made.
    expect((await service.confirm(bulk.public_id, 'admin:2')).status).toBe('confirmed');
    await world.host.module.services.jobHandlers.BulkTransferConfirmJob!.run({ importId: done.id }, undefined as never);
    expect(await countRows(db, 'host_orders')).toBe(1);
    expect(await countRows(db, 'dt_transfer_orders')).toBe(3);

    await payInvoice(world, `/client/invoices/${orders[0]!.invoice_id}`);
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob' })).toBe(3);
    await runJobs(world);
    expect((await db.knex('dt_domains').whereIn('domain', names).pluck('status')).sort()).toEqual(['pending', 'pending', 'pending']);
    await world.host.close();
  });

  it('queues one transfer job per line when a bulk invoice is paid, in chunks, even with invoice.paid delivered twice at once', async () => {
    const world = await createTransferWorld(db);
    const names = Array.from({ length: 250 }, (_, i) => `paid-${String(i).padStart(3, '0')}.com`);
    const { service, bulk } = await checkedPreview(world, names);
    await service.confirm(bulk.public_id, 'admin:1');
    await runJobs(world);
    const [order] = await service.ordersOf(bulk.id);
    expect(order).toMatchObject({ domains: 250 });
    const invoiceId = Number(order!.invoice_id);
    await db.knex('host_invoices').where({ id: invoiceId }).update({ status: 'paid', paid_minor: order!.total_minor });
    const items = (await world.host.billing.invoiceItems(invoiceId)).map((item) => ({ orderItemId: String(item.order_item_id) }));
    const event = { invoiceId: String(invoiceId), clientId: order!.client_id, paidInFull: true, items };
    const transferOrders = world.host.module.services.transferOrders;
    const queued = await Promise.all([transferOrders.onInvoicePaid(event), transferOrders.onInvoicePaid(event)]);
    expect(queued[0]! + queued[1]!).toBe(250);
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob' })).toBe(250);
    expect(await countRows(db, 'dt_transfer_orders', { status: 'queued', dispatch_count: 1 })).toBe(250);
    await world.host.close();
  });

  it('makes one order and invoice per client when the file names several', async () => {
    const world = await createTransferWorld(db);
    const me = await clientIdOf(world.host, DEMO.client.email);
    const other = await clientIdOf(world.host, DEMO.otherClient.email);
    const names = ['mine-1.com', 'mine-2.com', 'theirs-1.com'];
    const { service, bulk } = await checkedPreview(world, names, [`${me},mine-1.com,c0de-1`, `${other},theirs-1.com,c0de-2`, `${me},mine-2.com,c0de-3`], true);
    await service.confirm(bulk.public_id, 'admin:1');
    await runJobs(world);
    const orders = await service.ordersOf(bulk.id);
    expect(orders.map((o) => [o.client_id, o.domains]).sort()).toEqual([[me, 2], [other, 1]].sort());
    expect(new Set(orders.map((o) => o.invoice_id)).size).toBe(2);
    expect(await countRows(db, 'host_invoices')).toBe(2);
    await world.host.close();
  });

  it('asks the host again with the same key after a failure half-way, and gets the same order, not a second', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, backoffBaseMs: 1000 } } });
    const { service, bulk } = await checkedPreview(world, ['retry-a.com', 'retry-b.com']);
    const billing = world.host.billing;
    const real = billing.createTransferOrders.bind(billing);
    let calls = 0;
    // The host makes the order, and the answer is lost on the way back.
    billing.createTransferOrders = async (input) => {
      calls++;
      const made = await real(input);
      if (calls === 1) throw new Error('connection reset');
      return made;
    };
    await service.confirm(bulk.public_id, 'admin:1');
    await runJobs(world);
    expect((await service.byPublicId(bulk.public_id)).status).toBe('confirming');
    world.clock.advance(60_000);
    await runJobs(world);
    expect((await service.byPublicId(bulk.public_id)).status).toBe('confirmed');
    expect(calls).toBe(2);
    expect(await countRows(db, 'host_orders')).toBe(1);
    expect(await countRows(db, 'host_invoice_items')).toBe(2);
    expect(await countRows(db, 'dt_transfer_orders')).toBe(2);
    await world.host.close();
  });

  it('refuses at confirmation a domain ordered elsewhere since the check, and orders the rest', async () => {
    const world = await createTransferWorld(db);
    const { service, bulk } = await checkedPreview(world, ['taken-a.com', 'taken-b.com']);
    expect((await orderTransfer(world, 'taken-a.com', 'code-single')).status).toBe(303);
    await service.confirm(bulk.public_id, 'admin:1');
    await runJobs(world);
    const rows = await service.lines(bulk.id);
    expect(rows.map((r) => [r.domain, r.outcome, r.reason_key])).toEqual([
      ['taken-a.com', 'refused', 'rules:open_transfer_exists'],
      ['taken-b.com', 'accepted', null],
    ]);
    expect(await service.byPublicId(bulk.public_id)).toMatchObject({ status: 'confirmed', accepted_rows: 1 });
    expect((await service.ordersOf(bulk.id)).map((o) => o.domains)).toEqual([1]);
    await world.host.close();
  });

  it('cancels its host order when a domain is ordered in the moment before its orders are written, and orders the rest again', async () => {
    const world = await createTransferWorld(db);
    const { service, bulk } = await checkedPreview(world, ['race-a.com', 'race-b.com', 'race-c.com']);
    const billing = world.host.billing;
    const real = billing.createTransferOrders.bind(billing);
    let raced = false;
    billing.createTransferOrders = async (input) => {
      const made = await real(input);
      if (!raced) {
        raced = true;
        expect((await orderTransfer(world, 'race-b.com', 'code-single')).status).toBe(303);
      }
      return made;
    };
    await service.confirm(bulk.public_id, 'admin:1');
    await runJobs(world);
    expect(await service.byPublicId(bulk.public_id)).toMatchObject({ status: 'confirmed', accepted_rows: 2 });
    expect((await service.lines(bulk.id)).map((r) => [r.domain, r.outcome])).toEqual([
      ['race-a.com', 'accepted'],
      ['race-b.com', 'refused'],
      ['race-c.com', 'accepted'],
    ]);
    const orders = await db.knex('host_orders').whereNotNull('idempotency_key').orderBy('id').select('id', 'status');
    expect(orders.map((o) => o.status)).toEqual(['cancelled', 'pending']);
    const [placed] = await service.ordersOf(bulk.id);
    expect(placed).toMatchObject({ order_id: String(orders[1]!.id), domains: 2 });
    expect(await db.knex('host_invoices').where({ order_id: orders[0]!.id }).first('status')).toEqual({ status: 'cancelled' });
    await world.host.close();
  });

  it('takes one abandoned domain off the bulk invoice, and cancels the invoice with the last', async () => {
    const world = await createTransferWorld(db);
    const { service, bulk } = await checkedPreview(world, ['drop-a.com', 'drop-b.com']);
    await service.confirm(bulk.public_id, 'admin:1');
    await runJobs(world);
    const [order] = await service.ordersOf(bulk.id);
    const invoiceId = Number(order!.invoice_id);
    const each = order!.total_minor / 2;
    await world.host.module.services.transferOrders.cancel('drop-a.com', 'admin:1');
    expect(await world.host.billing.invoiceRow(invoiceId)).toMatchObject({ status: 'unpaid', total_minor: each });
    expect((await world.host.billing.invoiceItems(invoiceId)).map((i) => i.domain)).toEqual(['drop-b.com']);
    expect(await db.knex('dt_transfer_orders').where({ domain: 'drop-b.com' }).first('status')).toEqual({ status: 'awaiting_payment' });
    await world.host.module.services.transferOrders.cancel('drop-b.com', 'admin:1');
    expect(await world.host.billing.invoiceRow(invoiceId)).toMatchObject({ status: 'cancelled' });
    expect(await db.knex('host_orders').where({ id: Number(order!.order_id) }).first('status')).toEqual({ status: 'cancelled' });
    await world.host.close();
  });

  it('refuses to confirm a preview still being checked, an expired one, one with nothing accepted, or on a host without bulk orders', async () => {
    const world = await createTransferWorld(db);
    const service = world.host.module.services.bulkImports;
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const checking = await service.createFromCsv(csv('demo-transferable.com,code1234\n'), { actor: 'admin:1', defaultClientId: clientId });
    await expect(service.confirm(checking.public_id, 'admin:1')).rejects.toMatchObject({ status: 409, messageKey: 'bulk:errors.still_checking' });
    const none = await service.createFromCsv(csv('demo-locked.com,code1234\n'), { actor: 'admin:1', defaultClientId: clientId });
    await runJobs(world);
    await expect(service.confirm(none.public_id, 'admin:1')).rejects.toMatchObject({ messageKey: 'bulk:errors.nothing_accepted' });

    const billing = world.host.billing as { createTransferOrders?: unknown };
    const kept = billing.createTransferOrders;
    billing.createTransferOrders = undefined;
    await expect(service.confirm(checking.public_id, 'admin:1')).rejects.toMatchObject({ messageKey: 'bulk:errors.host_cannot_bulk' });
    billing.createTransferOrders = kept;

    world.clock.advance(61 * 60_000);
    await expect(service.confirm(checking.public_id, 'admin:1')).rejects.toMatchObject({ messageKey: 'bulk:errors.expired' });
    expect(await countRows(db, 'host_orders')).toBe(0);
    expect(await countRows(db, 'dt_jobs', { type: 'BulkTransferConfirmJob' })).toBe(0);
    await world.host.close();
  });
});
