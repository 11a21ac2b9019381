import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { hashAuthCode } from '../../registrar-adapters/sandbox/sandbox.rules.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

/**
 * A domain that already has a row here (a transfer the client gave up on, a domain that left
 * us) is transferred in again: the same row is reopened as a new attempt, with its history
 * intact, instead of a second row for one name.
 */
const db = useMigratedDatabase();
const DAY = 24 * 60 * 60 * 1000;
const WRONG_CODE = 'Wrong-Code-4711';

async function orderAndPay(world: TransferWorld, domain: string, code: string) {
  const ordered = await orderTransfer(world, domain, code);
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
}

const domainRow = (name: string) => db.knex('dt_domains').where({ domain: name }).first();
const historyOf = async (id: number) => db.knex('dt_domain_status_history').where({ domain_id: id }).orderBy('id').select('from_status', 'to_status', 'cause', 'actor');

describe('a transfer ordered again for a domain that has a row here', () => {
  it('reopens the row a cancelled transfer left: pending again, for the new order, without the old failure', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, 'demo-transferable.com', WRONG_CODE);
    await runJobs(world);
    const cancelled = await world.client.post('/client/domains/demo-transferable.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    expect(cancelled.status).toBe(303);
    const before = await domainRow('demo-transferable.com');
    expect(before).toMatchObject({ status: 'cancelled', failure_code: 'auth_code_invalid' });

    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await runJobs(world);

    const second = await db.knex('dt_transfer_orders').where({ domain: 'demo-transferable.com' }).orderBy('id', 'desc').first();
    expect(second.status).toBe('submitted');
    expect(await countRows(db, 'dt_domains')).toBe(1);
    const after = await domainRow('demo-transferable.com');
    expect(after).toMatchObject({ id: before.id, status: 'pending', failure_code: null, failure_reason: null });
    expect(Number(after.transfer_order_id)).toBe(Number(second.id));
    const atRegistry = await db.knex('dt_sandbox_transfers').where({ domain: 'demo-transferable.com', status: 'pending' }).first();
    expect(after.registrar_ref).toBeTruthy();
    expect(after.registrar_ref).toContain(String(atRegistry.id));
    const job = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).orderBy('id', 'desc').first();
    expect((await historyOf(before.id)).at(-1)).toEqual({ from_status: 'cancelled', to_status: 'pending', cause: 'transfer.new_attempt', actor: `job:${job.id}` });
    expect(await db.knex('dt_provisioning_log').where({ transfer_order_id: second.id }).select('action', 'outcome')).toEqual([{ action: 'transfer.request', outcome: 'ok' }]);
    expect((await world.client.get('/client/domains/demo-transferable.com')).status).toBe(200);
    await world.host.close();
  });

  it('brings back a domain that was transferred away: the row that recorded its leaving is reopened', async () => {
    const world = await createTransferWorld(db);
    const sandbox = world.host.module.sandbox()!;
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    await sandbox.addDomain({ name: 'homecoming.com', sponsor: world.host.module.config.registrarId });
    await world.host.module.services.adoptDomain({ domain: 'homecoming.com', clientId, registrarId: 'sandbox' });
    await sandbox.simulateTransferAway('homecoming.com');
    expect(await (await world.host.module.services.sync.runNow({ trigger: 'cli' })).done).toMatchObject({ status: 'succeeded' });
    const gone = await domainRow('homecoming.com');
    expect(gone.status).toBe('transferred_away');

    // Past the 60 days after a transfer, with the code the other registrar gave the owner.
    world.clock.advance(61 * DAY);
    await db.knex('dt_sandbox_domains').where({ name: 'homecoming.com' }).update({ auth_code_hash: hashAuthCode('Back-Home-2026!') });
    await orderAndPay(world, 'homecoming.com', 'Back-Home-2026!');
    await runJobs(world);

    const order = await db.knex('dt_transfer_orders').where({ domain: 'homecoming.com' }).first();
    expect(order.status).toBe('submitted');
    const back = await domainRow('homecoming.com');
    expect(back).toMatchObject({ id: gone.id, status: 'pending', expiry_date: null });
    expect(Number(back.transfer_order_id)).toBe(Number(order.id));
    expect((await historyOf(gone.id)).at(-1)).toMatchObject({ from_status: 'transferred_away', to_status: 'pending', cause: 'transfer.new_attempt' });
    await world.host.close();
  });

  it('leaves a domain alone that was taken under management while its transfer was being requested, and tries the job again', async () => {
    const world = await createTransferWorld(db);
    const sandbox = world.host.module.sandbox()!;
    await sandbox.addDomain({ name: 'steady-neighbour.com' });
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await orderAndPay(world, 'steady-neighbour.com', SANDBOX_DEMO_AUTH_CODE);
    // An operator imports the domain as active at the moment its job asks the registry.
    let adopted = false;
    world.host.bus.on('domain.transfer.before', async (event: { domain: string }) => {
      if (event.domain !== 'demo-transferable.com' || adopted) return;
      adopted = true;
      await world.host.module.services.adoptDomain({ domain: 'demo-transferable.com', clientId, registrarId: 'sandbox' });
    });
    await runJobs(world);

    // The imported row is not overwritten by the transfer: the job will look again later.
    expect(await domainRow('demo-transferable.com')).toMatchObject({ status: 'active', transfer_order_id: null, registrar_ref: null });
    const order = await db.knex('dt_transfer_orders').where({ domain: 'demo-transferable.com' }).first();
    expect(order.status).toBe('queued');
    const job = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).andWhere('payload', 'like', `%"transferOrderId":${order.id},%`).first();
    expect(job).toMatchObject({ status: 'queued', attempts: 1 });
    expect(job.last_error).toContain('domain demo-transferable.com changed state while recording the transfer; will retry');
    expect(await countRows(db, 'dt_provisioning_log', { domain: 'demo-transferable.com', outcome: 'ok' })).toBe(0);

    // The other transfer of the same run is recorded as usual.
    expect(await db.knex('dt_transfer_orders').where({ domain: 'steady-neighbour.com' }).first()).toMatchObject({ status: 'submitted' });
    expect(await domainRow('steady-neighbour.com')).toMatchObject({ status: 'pending' });
    await world.host.close();
  });
});
