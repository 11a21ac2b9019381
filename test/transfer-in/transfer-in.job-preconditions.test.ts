import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

/**
 * What a paid transfer's job needs before it may ask the registrar: a configured registrar,
 * the EPP code, and the client's contacts from the host. Without one of them the order fails
 * with a reason an admin can act on, and the registrar is never called.
 */
const db = useMigratedDatabase();
const DOMAIN = 'demo-transferable.com';

async function paidOrder(world: TransferWorld) {
  const ordered = await orderTransfer(world, DOMAIN, SANDBOX_DEMO_AUTH_CODE);
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
  return db.knex('dt_transfer_orders').first();
}

/** The host without a bulk client lookup, each client read recorded. */
function clientReadsOneByOne(world: TransferWorld): string[] {
  const asked: string[] = [];
  const one = world.host.billing.getClient.bind(world.host.billing);
  (world.host.billing as { getClients?: unknown }).getClients = undefined;
  world.host.billing.getClient = async (id: string) => {
    asked.push(id);
    return one(id);
  };
  return asked;
}

const requestsAtRegistry = () => countRows(db, 'dt_sandbox_transfers', { domain: DOMAIN });

describe('a paid transfer whose job cannot ask the registrar', () => {
  it('fails when its registrar has since been taken out of the configuration', async () => {
    const world = await createTransferWorld(db);
    const order = await paidOrder(world);
    // Ordered while it was configured; the registrar has been removed from the module since.
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ registrar_id: 'retired-registrar' });
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'not_eligible', failure_reason: 'registrar retired-registrar is not configured' });
    expect(await requestsAtRegistry()).toBe(0);
    await world.host.close();
  });

  it('fails, asking for the code, when no EPP code is on file', async () => {
    const world = await createTransferWorld(db);
    const order = await paidOrder(world);
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ epp_code_ciphertext: null });
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid', failure_reason: 'no EPP code on file' });
    expect(await db.knex('host_outbox').where({ recipient_kind: 'client' }).first('template')).toEqual({ template: 'transfer.failed_client' });
    expect(await requestsAtRegistry()).toBe(0);
    await world.host.close();
  });

  it('fails when the host no longer knows the client, whose contacts the registry needs', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    world.host.billing.getClients = async () => new Map();
    world.host.billing.getClient = async () => null;
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'not_eligible', failure_reason: 'client profile not found' });
    expect(await requestsAtRegistry()).toBe(0);
    await world.host.close();
  });
});

describe('a host without a bulk client lookup', () => {
  it('has each client read on its own, and the transfer goes through with their contacts', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    const asked = clientReadsOneByOne(world);
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });
    expect(await requestsAtRegistry()).toBe(1);
    expect(asked).toEqual([String((await db.knex('dt_transfer_orders').first()).client_id)]);
    await world.host.close();
  });

  it.each([
    ['names no client (a job queued by an earlier version)', undefined],
    ['names another client', '999'],
  ])('reads the order’s own client when the job %s', async (_, clientId) => {
    const world = await createTransferWorld(db);
    const order = await paidOrder(world);
    const asked = clientReadsOneByOne(world);
    await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).update({ payload: JSON.stringify({ transferOrderId: order.id, dispatch: 1, ...(clientId ? { clientId } : {}) }) });
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });
    expect(await requestsAtRegistry()).toBe(1);
    expect(asked).toEqual([...(clientId ? [clientId] : []), String(order.client_id)]);
    await world.host.close();
  });
});

describe('a refusal that arrives after the order has moved on', () => {
  it('changes nothing, tells nobody, and the job ends', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });
    const order = await paidOrder(world);
    // A pre-transfer hook aborts, but by then another worker has recorded the order as submitted.
    world.host.bus.on('domain.transfer.before', async (event: { abort: (reason: string) => void }) => {
      await db.knex('dt_transfer_orders').where({ id: order.id }).update({ status: 'submitted' });
      event.abort('fraud check pending');
    });
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted', failure_code: null });
    expect(await countRows(db, 'dt_domains')).toBe(0);
    expect(await countRows(db, 'dt_provisioning_log')).toBe(0);
    expect(await countRows(db, 'host_outbox')).toBe(0);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'done', attempts: 1 });
    expect(capture.text()).not.toContain('transfer-in refused');
    await world.host.close();
  });
});

describe('a job whose order has moved on before it ran', () => {
  const quiet = async () => {
    expect(await requestsAtRegistry()).toBe(0);
    expect(await countRows(db, 'dt_domains')).toBe(0);
    expect(await countRows(db, 'dt_provisioning_log')).toBe(0);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'done', attempts: 1 });
  };

  it('does nothing for an order ended meanwhile', async () => {
    const world = await createTransferWorld(db);
    const order = await paidOrder(world);
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ status: 'cancelled', open_domain: null });
    await runJobs(world);
    await quiet();
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'cancelled', failure_code: null });
    await world.host.close();
  });

  it('does nothing when the order was dispatched again since (a newer job carries it)', async () => {
    const world = await createTransferWorld(db);
    const order = await paidOrder(world);
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ dispatch_count: 2 });
    await runJobs(world);
    await quiet();
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'queued', failure_code: null });
    await world.host.close();
  });

  it('does nothing for an order that is not there', async () => {
    const world = await createTransferWorld(db);
    await world.host.module.services.queue.enqueue('TransferDomainJob', 'transfer:gone', { transferOrderId: 999, clientId: '1', dispatch: 1 });
    await runJobs(world);
    await quiet();
    await world.host.close();
  });
});
