import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const NAMES = ['batch-one.com', 'batch-two.com', 'batch-three.com', 'batch-four.com', 'batch-five.com'];

async function orderAndPayAll(world: TransferWorld, names: string[], code = SANDBOX_DEMO_AUTH_CODE) {
  for (const name of names) {
    const ordered = await orderTransfer(world, name, code);
    expect(ordered.status).toBe(303);
    await payInvoice(world, ordered.headers.location!);
  }
}

/** A transfer world whose registry knows NAMES, ready to be ordered. */
async function worldWithRegisteredNames(): Promise<TransferWorld> {
  const world = await createTransferWorld(db);
  const sandbox = world.host.module.registrars.get('sandbox') as SandboxAdapter;
  await sandbox.registry.addDomains(NAMES.map((name) => ({ name })));
  return world;
}

function countStatements(world: TransferWorld, pattern: RegExp): () => number {
  let n = 0;
  world.host.module.services.knex.on('query', (q: { sql: string }) => {
    if (pattern.test(q.sql)) n++;
  });
  return () => n;
}

describe('transfers accepted together', () => {
  it('are requested and recorded in shared statements, not one by one, and every row is complete', async () => {
    const world = await worldWithRegisteredNames();
    await orderAndPayAll(world, NAMES);
    const domainInserts = countStatements(world, /^insert into [`"]dt_domains[`"]/);
    const registryInserts = countStatements(world, /^insert into [`"]dt_sandbox_transfers[`"]/);

    await runJobs(world);
    // Where batches split depends on timing; that they are shared does not.
    expect(domainInserts()).toBeLessThan(NAMES.length);
    expect(registryInserts()).toBeLessThan(NAMES.length);
    const domains = await db.knex('dt_domains').whereIn('domain', NAMES).orderBy('domain');
    expect(domains.map((d) => [d.domain, d.status, d.failure_code])).toEqual([...NAMES].sort().map((name) => [name, 'pending', null]));
    expect(new Set(domains.map((d) => d.registrar_ref)).size).toBe(NAMES.length);
    const history = await db.knex('dt_domain_status_history').whereIn('domain_id', domains.map((d) => d.id));
    expect(history).toHaveLength(NAMES.length);
    expect(history.every((h) => h.to_status === 'pending' && /^job:\d+$/.test(h.actor))).toBe(true);
    expect(new Set(history.map((h) => h.actor)).size).toBe(NAMES.length);
    expect(await countRows(db, 'dt_provisioning_log', { action: 'transfer.request', outcome: 'ok' })).toBe(NAMES.length);
    expect(await countRows(db, 'dt_transfer_orders', { status: 'submitted' })).toBe(NAMES.length);
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob', status: 'done' })).toBe(NAMES.length);
    expect(await countRows(db, 'host_outbox', { template: 'transfer.submitted' })).toBe(NAMES.length);
    await world.host.close();
  });

  it('take the careful path for a domain that already has a row, alongside the others', async () => {
    const world = await worldWithRegisteredNames();
    // The first attempt for one of them is refused, leaving its domain row pending with the reason.
    await orderAndPayAll(world, [NAMES[0]!], 'Wrong-Code-4711');
    await runJobs(world);
    expect(await db.knex('dt_domains').where({ domain: NAMES[0] }).first()).toMatchObject({ status: 'pending', failure_code: 'auth_code_invalid' });

    await orderAndPayAll(world, NAMES.slice(1));
    const corrected = await world.client.post(`/client/domains/${NAMES[0]}/transfer/auth-code`).type('form').send({ _csrf: world.csrf, eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(corrected.status).toBe(303);
    await runJobs(world);
    const domains = await db.knex('dt_domains').whereIn('domain', NAMES);
    expect(domains).toHaveLength(NAMES.length);
    expect(domains.every((d) => d.status === 'pending' && d.failure_code === null && d.registrar_ref)).toBe(true);
    expect(await countRows(db, 'dt_transfer_orders', { status: 'submitted' })).toBe(NAMES.length);
    await world.host.close();
  });

  it('queue the messages about them in the place of the jobs they report on, not behind the backlog', async () => {
    const world = await worldWithRegisteredNames();
    await orderAndPayAll(world, NAMES);
    const paidAt = world.clock.now().getTime();
    // A backlog: the jobs were due an hour before a worker got to them.
    world.clock.advance(3_600_000);
    await runJobs(world);
    const transferJobs = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' });
    expect(transferJobs.every((j) => Number(j.run_at) <= paidAt)).toBe(true);
    const deliveries = await db.knex('dt_jobs').where({ type: 'SendNotificationsJob' });
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) expect(Number(delivery.run_at)).toBeLessThanOrEqual(paidAt);
    expect(deliveries.every((d) => d.status === 'done')).toBe(true);
    expect(await countRows(db, 'host_outbox', { template: 'transfer.submitted' })).toBe(NAMES.length);
    await world.host.close();
  });
});
