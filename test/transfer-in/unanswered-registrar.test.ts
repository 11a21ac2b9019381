import { describe, expect, it } from 'vitest';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const LATER = 2 * 60 * 60 * 1000; // past any backoff
const DOMAIN = 'demo-transferable.com';

async function paidOrder(world: TransferWorld): Promise<void> {
  const ordered = await orderTransfer(world, DOMAIN, SANDBOX_DEMO_AUTH_CODE);
  await payInvoice(world, ordered.headers.location!);
}

const requestsAtRegistry = () => countRows(db, 'dt_sandbox_transfers', { domain: DOMAIN });
const order = () => db.knex('dt_transfer_orders').first();
const log = async () => (await db.knex('dt_provisioning_log').where({ domain: DOMAIN }).orderBy('id').select('outcome', 'message')).map((r) => `${r.outcome}: ${r.message}`);

describe('a transfer request the registrar does not answer', () => {
  it('ends the attempt after jobs.registrarCallTimeoutMs; the next attempt asks the registry before sending again', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, registrarCallTimeoutMs: 200 } } });
    await world.host.module.sandbox()!.addFault({ operation: 'transfer', kind: 'hang', times: 1 });
    await paidOrder(world);

    const started = Date.now();
    await runJobs(world);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await log()).toEqual(['retry: sandbox did not answer transfer within 200 ms']);
    expect(await requestsAtRegistry()).toBe(0);

    world.clock.advance(LATER);
    await runJobs(world);
    expect((await order()).status).toBe('submitted');
    expect(await requestsAtRegistry()).toBe(1);
  });

  it('a request the registry carried out whose answer was lost is confirmed by query, never sent twice', async () => {
    const world = await createTransferWorld(db);
    await world.host.module.sandbox()!.addFault({ operation: 'transfer', kind: 'drop', times: 1 });
    await paidOrder(world);

    await runJobs(world);
    expect((await order()).status).toBe('queued');
    expect(await requestsAtRegistry()).toBe(1);
    // A second request would now be refused: the retry must not send one.
    await world.host.module.sandbox()!.addFault({ operation: 'transfer', kind: 'error', errorCode: 'not_eligible', times: 1 });

    world.clock.advance(LATER);
    await runJobs(world);
    expect((await order()).status).toBe('submitted');
    expect(await requestsAtRegistry()).toBe(1);
    expect((await log()).at(-1)).toContain('confirmed by status query');
  });

  it('a job whose every attempt was interrupted asks the registry before failing: a request that got through makes it pending', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, maxAttempts: 2 } } });
    await paidOrder(world);
    const queue = world.host.module.services.queue;
    // Two workers killed mid-call; the first had reached the registry.
    for (let killed = 0; killed < 2; killed++) {
      const [job] = await queue.claim(`killed-${killed}`, 1);
      await queue.start(job!);
      if (killed === 0) await world.host.module.services.registrars.get('sandbox')!.transfer({ domain: DOMAIN, authCode: SANDBOX_DEMO_AUTH_CODE, contacts: {} as never });
      world.clock.advance(LATER);
    }
    await runJobs(world);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'dead' });
    expect((await order()).status).toBe('submitted');
    const domain = await db.knex('dt_domains').where({ domain: DOMAIN }).first();
    expect(domain.status).toBe('pending');
    expect(await requestsAtRegistry()).toBe(1);
    expect(await db.knex('dt_provisioning_log').where({ domain: DOMAIN }).select('action', 'outcome', 'message')).toEqual([
      { action: 'transfer.confirm', outcome: 'ok', message: 'registry already had our request; confirmed by status query' },
    ]);
    expect(await db.knex('dt_domain_status_history').where({ domain_id: domain.id }).select('to_status', 'cause', 'actor')).toEqual([{ to_status: 'pending', cause: 'transfer.requested', actor: 'jobs' }]);
  });

  it('a job that dies after its order was ended meanwhile leaves the order as it is', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, maxAttempts: 1 } } });
    await paidOrder(world);
    const queue = world.host.module.services.queue;
    const [job] = await queue.claim('killed', 1);
    await queue.start(job!);
    await db.knex('dt_transfer_orders').update({ status: 'cancelled', open_domain: null, epp_code_ciphertext: null });
    world.clock.advance(LATER);
    await runJobs(world);
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'dead' });
    expect(await order()).toMatchObject({ status: 'cancelled', failure_code: null, failure_reason: null });
    expect(await db.knex('dt_provisioning_log').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(await requestsAtRegistry()).toBe(0);
  });

  it('when none got through, the order fails with a reason that says the registry was asked', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, maxAttempts: 1 } } });
    await paidOrder(world);
    const queue = world.host.module.services.queue;
    const [job] = await queue.claim('killed', 1);
    await queue.start(job!);
    world.clock.advance(LATER);
    await runJobs(world);
    const failed = await order();
    expect(failed).toMatchObject({ status: 'failed', failure_code: 'registrar_unreachable' });
    expect(failed.failure_reason).toContain('the registry has no transfer request from us');
    expect(await requestsAtRegistry()).toBe(0);
  });
});
