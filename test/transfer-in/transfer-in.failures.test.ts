import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { countRows, createTransferWorld, databaseText, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

const db = useMigratedDatabase();
const WRONG_CODE = 'Wrong-Code-4711';

async function orderAndPay(world: TransferWorld, domain: string, code: string) {
  const ordered = await orderTransfer(world, domain, code);
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
}

function sandboxOf(world: TransferWorld): SandboxAdapter {
  return world.host.module.registrars.get('sandbox') as SandboxAdapter;
}

describe('a transfer the registrar refuses', () => {
  it('stays pending with the registrar’s reason, alerts the admin, and takes a corrected code without a second charge', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });
    await orderAndPay(world, 'demo-transferable.com', WRONG_CODE);
    await runJobs(world);

    const domain = await db.knex('dt_domains').where({ domain: 'demo-transferable.com' }).first();
    expect(domain).toMatchObject({ status: 'pending', failure_code: 'auth_code_invalid' });
    expect(domain.failure_reason).toBeTruthy();
    const order = await db.knex('dt_transfer_orders').first();
    expect(order).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid' });
    expect(order.epp_code_ciphertext).toBeTruthy();
    const log = await db.knex('dt_provisioning_log').where({ domain: 'demo-transferable.com' }).first();
    expect(log).toMatchObject({ outcome: 'failed' });
    expect(log.message).toContain(domain.failure_reason);
    expect(world.events.map((e) => e.name)).toEqual(['domain.transfer.failed']);
    expect(await db.knex('host_outbox').select('recipient_kind', 'template').orderBy('id')).toEqual([
      { recipient_kind: 'admins', template: 'transfer.failed_admin' },
      { recipient_kind: 'client', template: 'transfer.failed_client' },
    ]);

    const page = await world.client.get('/client/domains/demo-transferable.com');
    expect(page.text).toContain('The registry did not accept the EPP code');
    expect(page.text).toContain(domain.failure_reason);

    const resubmitted = await world.client
      .post('/client/domains/demo-transferable.com/transfer/auth-code')
      .type('form')
      .send({ _csrf: world.csrf, eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(resubmitted.status).toBe(303);
    await runJobs(world);
    expect(await db.knex('dt_domains').where({ domain: 'demo-transferable.com' }).first()).toMatchObject({ status: 'pending', failure_code: null });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted', dispatch_count: 2, epp_code_ciphertext: null });
    expect(await countRows(db, 'host_invoices')).toBe(1);
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob', status: 'done' })).toBe(2);

    const everything = (await databaseText(db)) + capture.text();
    expect(everything).not.toContain(WRONG_CODE);
    expect(everything).not.toContain(SANDBOX_DEMO_AUTH_CODE);
    await world.host.close();
  });

  it('is dispatched again by Admin → Domains → Transfer once the client has unlocked it', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    // The registry refuses once, as when the client forgot to unlock it.
    await sandboxOf(world).registry.injectFault('transfer', 'transfer_prohibited', 1);
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'transfer_prohibited' });

    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/domains/demo-transferable.com');
    const dispatched = await admin.post('/admin/domains/demo-transferable.com/transfer').type('form').send({ _csrf: csrf });
    expect(dispatched.status).toBe(303);
    await runJobs(world);
    expect(await db.knex('dt_domains').first()).toMatchObject({ status: 'pending', failure_code: null });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted', dispatch_count: 2 });
    await world.host.close();
  });

  it('keeps a client from correcting another client’s transfer (404)', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, 'demo-transferable.com', WRONG_CODE);
    await runJobs(world);
    const other = await loginAs(world.host, DEMO.otherClient);
    const csrf = await csrfOf(other, '/client/domains');
    expect((await other.get('/client/domains/demo-transferable.com')).status).toBe(404);
    const response = await other.post('/client/domains/demo-transferable.com/transfer/auth-code').type('form').send({ _csrf: csrf, eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(response.status).toBe(404);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', dispatch_count: 1 });
    await world.host.close();
  });
});

describe('the messages about a transfer', () => {
  it('are kept with the outcome and delivered once the notifier works again', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const notifier = world.host.notifier;
    const deliver = notifier.notifyMany.bind(notifier);
    notifier.notifyMany = async () => {
      throw new Error('mail relay down');
    };
    await runJobs(world);
    // The transfer is recorded; its message waits, with the failure, for the retry.
    expect(await db.knex('dt_domains').first()).toMatchObject({ status: 'pending' });
    expect(await countRows(db, 'host_outbox')).toBe(0);
    const waiting = await db.knex('dt_jobs').where({ type: 'SendNotificationsJob' }).first();
    expect(waiting).toMatchObject({ status: 'queued', attempts: 1 });
    expect(waiting.last_error).toContain('mail relay down');

    notifier.notifyMany = deliver;
    world.clock.advance(60_000);
    await runJobs(world);
    expect(await db.knex('host_outbox').select('template', 'recipient_kind')).toEqual([{ template: 'transfer.submitted', recipient_kind: 'client' }]);
    expect(await db.knex('dt_jobs').where({ type: 'SendNotificationsJob' }).first()).toMatchObject({ status: 'done', attempts: 2 });
    await world.host.close();
  });
});

describe('a lost response and a damaged code', () => {
  it('confirms a request the registry already has instead of sending it again', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    // Our first request reached the registry but its answer never came back to us.
    await sandboxOf(world).registry.requestTransfer('demo-transferable.com', world.host.module.config.registrarId, { authCode: SANDBOX_DEMO_AUTH_CODE });
    await runJobs(world);
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: 'demo-transferable.com' })).toBe(1);
    expect(await db.knex('dt_domains').first()).toMatchObject({ status: 'pending', failure_code: null });
    expect(await db.knex('dt_provisioning_log').select('action', 'outcome')).toEqual([{ action: 'transfer.confirm', outcome: 'ok' }]);
    await world.host.close();
  });

  it('retries transient registrar errors with backoff and alerts the admin when the job dies', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, maxAttempts: 2, backoffBaseMs: 1000, backoffCapMs: 1000 } } });
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await sandboxOf(world).registry.injectFault('transfer', 'transient', 5);
    await runJobs(world);
    expect(await db.knex('dt_jobs').first()).toMatchObject({ status: 'queued', attempts: 1 });
    world.clock.advance(2000);
    await runJobs(world);
    expect(await db.knex('dt_jobs').first()).toMatchObject({ status: 'dead', attempts: 2 });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'registrar_unreachable' });
    expect(await db.knex('host_outbox').where({ template: 'job.dead' }).first()).toMatchObject({ recipient_kind: 'admins' });
    expect(await countRows(db, 'dt_provisioning_log', { outcome: 'retry' })).toBe(2);
    await world.host.close();
  });

  it('asks for the code again when the stored ciphertext was tampered with', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const order = await db.knex('dt_transfer_orders').first();
    const [v, iv, body, tag] = String(order.epp_code_ciphertext).split('.');
    const flipped = Buffer.from(body!, 'base64');
    flipped[0] = flipped[0]! ^ 0xff;
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ epp_code_ciphertext: [v, iv, flipped.toString('base64'), tag].join('.') });
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'code_unreadable', failure_reason: 'the stored EPP code could not be decrypted' });
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: 'demo-transferable.com' })).toBe(0);
    await world.host.close();
  });

  it('lets a pre-transfer hook abort with a reason before the registrar is called', async () => {
    const world = await createTransferWorld(db);
    world.host.bus.on('domain.transfer.before', (event: { abort: (reason: string) => void }) => event.abort('fraud check pending'));
    await orderAndPay(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'aborted', failure_reason: 'fraud check pending' });
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: 'demo-transferable.com' })).toBe(0);
    await world.host.close();
  });

  it('purges the code when the client cancels the unpaid order', async () => {
    const world = await createTransferWorld(db);
    expect((await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE)).status).toBe(303);
    const cancelled = await world.client.post('/client/domains/demo-transferable.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    expect(cancelled.status).toBe(303);
    const order = await db.knex('dt_transfer_orders').first();
    expect(order).toMatchObject({ status: 'cancelled', epp_code_ciphertext: null, open_domain: null });
    expect((await db.knex('host_invoices').first()).status).toBe('cancelled');
    await world.host.close();
  });
});
