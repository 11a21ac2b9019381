import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter, type SandboxRegistry } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

/**
 * What the job makes of the registry's answers beyond "accepted" and "refused": an "already
 * pending" that turns out to be our own request (already approved, or already rejected), or
 * someone else's; and a registry that cannot even say whether our request arrived.
 */
const db = useMigratedDatabase();
const DOMAIN = 'demo-transferable.com';
const LATER = 2 * 60 * 60 * 1000; // past any backoff

async function paidOrder(world: TransferWorld): Promise<void> {
  const ordered = await orderTransfer(world, DOMAIN, SANDBOX_DEMO_AUTH_CODE);
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
}

const registryOf = (world: TransferWorld): SandboxRegistry => (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry;
const order = () => db.knex('dt_transfer_orders').first();
const domainRow = () => db.knex('dt_domains').where({ domain: DOMAIN }).first();
const log = async () => (await db.knex('dt_provisioning_log').where({ domain: DOMAIN }).orderBy('id').select('action', 'outcome', 'message')).map((r) => `${r.action} ${r.outcome}: ${r.message}`);

/** Our earlier request for DOMAIN, already at the registry (its answer to us was lost). */
async function earlierRequest(world: TransferWorld) {
  return registryOf(world).requestTransfer(DOMAIN, world.host.module.config.registrarId, { authCode: SANDBOX_DEMO_AUTH_CODE });
}

describe('a registry that answers "already pending"', () => {
  it('when our own earlier request was approved meanwhile: the domain is active at once, with the registry’s expiry, and the host hears of both', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    await earlierRequest(world);
    const approved = await registryOf(world).approvePendingTransfer(DOMAIN);
    await registryOf(world).injectFault('transfer', 'already_pending', 1);
    await runJobs(world);

    expect(await order()).toMatchObject({ status: 'submitted', epp_code_ciphertext: null });
    const row = await domainRow();
    expect(row.status).toBe('active');
    expect(Number(row.expiry_date)).toBe(approved.expiryAfter!.getTime());
    const history = await db.knex('dt_domain_status_history').where({ domain_id: row.id }).orderBy('id').select('from_status', 'to_status', 'cause');
    expect(history).toEqual([
      { from_status: null, to_status: 'pending', cause: 'transfer.requested' },
      { from_status: 'pending', to_status: 'active', cause: 'transfer.completed' },
    ]);
    expect(await log()).toEqual(['transfer.confirm ok: registry already had our request; confirmed by status query']);
    // The code the previous registrar gave is used up; its lifecycle starts with us.
    expect(await db.knex('dt_auth_codes').where({ domain: DOMAIN }).select('direction')).toEqual([{ direction: 'in' }]);
    expect(world.events.map((e) => e.name).sort()).toEqual(['domain.transfer.completed', 'domain.transfer.requested']);
    const completed = world.events.find((e) => e.name === 'domain.transfer.completed')!;
    expect(completed.payload).toMatchObject({ domain: DOMAIN, expiryDate: approved.expiryAfter!.toISOString() });
    await world.host.close();
  });

  it('when our own earlier request was rejected: the order fails with the registry’s reason', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    await earlierRequest(world);
    await registryOf(world).rejectPendingTransfer(DOMAIN, 'The registrant declined the transfer.');
    await registryOf(world).injectFault('transfer', 'already_pending', 1);
    await runJobs(world);

    expect(await order()).toMatchObject({ status: 'failed', failure_code: 'rejected', failure_reason: 'The registrant declined the transfer.' });
    expect(await domainRow()).toMatchObject({ status: 'pending', failure_code: 'rejected' });
    expect(world.events.map((e) => e.name)).toEqual(['domain.transfer.failed']);
    await world.host.close();
  });

  it('when the registry has no request of ours: the order fails, saying another transfer is pending there', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    await registryOf(world).injectFault('transfer', 'already_pending', 1);
    await runJobs(world);

    expect(await order()).toMatchObject({ status: 'failed', failure_code: 'already_pending', failure_reason: 'another transfer is already pending for this domain at the registry' });
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: DOMAIN })).toBe(0);
    const page = await world.client.get(`/client/domains/${DOMAIN}`);
    expect(page.status).toBe(200);
    await world.host.close();
  });
});

describe('a retry that cannot ask the registry what became of the first request', () => {
  it('notes a registry that is down as a retry, with its words, and tries again later', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    await registryOf(world).injectFault('transfer', 'transient', 1);
    await runJobs(world);
    await registryOf(world).injectFault('getTransferStatus', 'rate_limited', 1);
    world.clock.advance(LATER);
    await runJobs(world);

    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first()).toMatchObject({ status: 'queued', attempts: 2 });
    const lines = await log();
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('transfer.request retry: '))).toBe(true);
    expect(lines[1]).toMatch(/rate|limit|slow/i);
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: DOMAIN })).toBe(0);

    world.clock.advance(LATER);
    await runJobs(world);
    expect((await order()).status).toBe('submitted');
    await world.host.close();
  });

  it('does not call an answer that no retry can change a retry', async () => {
    const world = await createTransferWorld(db);
    await paidOrder(world);
    await registryOf(world).injectFault('transfer', 'transient', 1);
    await runJobs(world);
    await registryOf(world).injectFault('getTransferStatus', 'invalid_input', 1);
    world.clock.advance(LATER);
    await runJobs(world);

    const job = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first();
    expect(job).toMatchObject({ attempts: 2 });
    expect(job.last_error).toContain('invalid_input');
    expect(await log()).toHaveLength(1);
    await world.host.close();
  });
});

describe('a job out of attempts, asking the registry before the order fails', () => {
  const lastAttempt = { config: { jobs: { runInHost: false, maxAttempts: 1 } } };

  it('says so when the registry shows our earlier request, but not pending', async () => {
    const world = await createTransferWorld(db, lastAttempt);
    await paidOrder(world);
    await earlierRequest(world);
    await registryOf(world).rejectPendingTransfer(DOMAIN, 'The registrant declined the transfer.');
    await registryOf(world).injectFault('transfer', 'transient', 1);
    await runJobs(world);

    const failed = await order();
    expect(failed).toMatchObject({ status: 'failed', failure_code: 'registrar_unreachable' });
    expect(failed.failure_reason).toMatch(/; the registry shows no pending request from us$/);
    await world.host.close();
  });

  it('says so when the registry could not be asked either', async () => {
    const world = await createTransferWorld(db, lastAttempt);
    await paidOrder(world);
    await registryOf(world).injectFault('transfer', 'transient', 1);
    await registryOf(world).injectFault('getTransferStatus', 'transient', 1);
    await runJobs(world);

    const failed = await order();
    expect(failed).toMatchObject({ status: 'failed', failure_code: 'registrar_unreachable' });
    expect(failed.failure_reason).toMatch(/; the registry could not be asked whether a request arrived \(transient: .+\)$/);
    expect(await domainRow()).toMatchObject({ status: 'pending', failure_code: 'registrar_unreachable' });
    await world.host.close();
  });
});
