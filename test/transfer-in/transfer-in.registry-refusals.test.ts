import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

const db = useMigratedDatabase();

async function orderAndPay(world: TransferWorld, domain: string) {
  const ordered = await orderTransfer(world, domain, SANDBOX_DEMO_AUTH_CODE);
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
}

const sandboxOf = (world: TransferWorld) => world.host.module.registrars.get('sandbox') as SandboxAdapter;

describe('refusals that are not about the client’s EPP code', () => {
  it('not_authorized (EPP 2201): the order waits for an admin, and the client is neither blamed nor asked for a code', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false } } });
    await orderAndPay(world, 'demo-transferable.com');
    await sandboxOf(world).registry.injectFault('transfer', 'not_authorized', 1);
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'not_authorized' });
    const messages = await db.knex('host_outbox').orderBy('id').select('recipient_kind', 'template', 'body');
    expect(messages.map((m) => [m.recipient_kind, m.template])).toEqual([
      ['admins', 'transfer.refused_for_admin_admin'],
      ['client', 'transfer.refused_for_admin_client'],
    ]);
    expect(messages[1].body).toContain('This is not about your EPP code');
    expect(messages[1].body).not.toMatch(/fresh EPP code|get a new one and/i);
    expect(messages[0].body).toContain('A corrected EPP code will not help');

    const page = await world.client.get('/client/domains/demo-transferable.com');
    expect(page.text).toContain('The registry did not let our registrar act on this domain. This is not about your EPP code');
    expect(page.text).not.toContain('name="eppCode"');
    const resubmitted = await world.client.post('/client/domains/demo-transferable.com/transfer/auth-code').type('form').send({ _csrf: world.csrf, eppCode: 'Another-Code-1' });
    expect(resubmitted.status).toBe(409);
    expect(resubmitted.text).toContain('was not refused because of its EPP code');
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob' })).toBe(1);

    // The dashboard counts it among the transfers waiting for an admin, not for a code.
    expect(await world.host.module.services.dashboard.failedTransfers()).toEqual({ awaitingCode: 0, awaitingAdmin: 1 });
    await world.host.close();
  });

  it('premium_price (the registry asks more than the limit): the order waits for an admin, who is told nothing was charged at the registry', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false } } });
    await orderAndPay(world, 'demo-transferable.com');
    await sandboxOf(world).registry.injectFault('transfer', 'premium_price', 1);
    await runJobs(world);

    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'premium_price' });
    const messages = await db.knex('host_outbox').orderBy('id').select('recipient_kind', 'template', 'body');
    expect(messages.map((m) => [m.recipient_kind, m.template])).toEqual([
      ['admins', 'transfer.premium_price_admin'],
      ['client', 'transfer.premium_price_client'],
    ]);
    expect(messages[0].body).toContain('nothing was charged at the registry');
    expect(messages[0].body).toContain('maxTransferFee');
    expect(messages[1].body).toContain('Nothing more has been charged');

    const page = await world.client.get('/client/domains/demo-transferable.com');
    expect(page.text).toContain('The registry asks a premium price to transfer this domain');
    expect(page.text).not.toContain('name="eppCode"');
    expect(await world.host.module.services.dashboard.failedTransfers()).toEqual({ awaitingCode: 0, awaitingAdmin: 1 });

    // The admin agreed the price and raised the limit: a retry sends the transfer.
    await world.host.module.services.transferOrders.adminDispatch('demo-transferable.com', 'admin:test');
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });
    await world.host.close();
  });

  it('authentication_failed (our login refused): the job tries again later and the order is neither failed nor the client told anything', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, backoffBaseMs: 1000, backoffCapMs: 1000 } } });
    await orderAndPay(world, 'demo-transferable.com');
    await sandboxOf(world).registry.injectFault('transfer', 'authentication_failed', 1);
    await runJobs(world);

    expect(await db.knex('dt_jobs').first()).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'queued', failure_code: null });
    expect(await db.knex('host_outbox').where({ recipient_kind: 'client' })).toEqual([]);
    expect(await db.knex('dt_provisioning_log').first()).toMatchObject({ outcome: 'retry' });

    world.clock.advance(2000);
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });
    await world.host.close();
  });
});
