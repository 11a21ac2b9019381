import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();

describe('Admin → Jobs', () => {
  it('shows a dead transfer job with its last error, and Retry dispatches the transfer again', async () => {
    const world = await createTransferWorld(db, { config: { jobs: { runInHost: false, maxAttempts: 1 } } });
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry.injectFault('transfer', 'transient', 1);
    await runJobs(world);
    const dead = await db.knex('dt_jobs').where({ status: 'dead' }).first();
    expect(dead).toBeTruthy();

    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/jobs?status=dead');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Domain transfer');
    expect(page.text).toContain('transient: Injected fault');
    const csrf = await csrfOf(admin, '/admin/jobs');
    expect((await admin.post(`/admin/jobs/${dead.id}/retry`).type('form').send({ _csrf: csrf })).status).toBe(303);
    await runJobs(world);
    expect(await db.knex('dt_domains').first()).toMatchObject({ status: 'pending', failure_code: null });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted', dispatch_count: 2 });

    expect((await admin.post(`/admin/jobs/${dead.id}/retry`).type('form').send({ _csrf: csrf })).status).toBe(409);
    expect((await admin.post('/admin/jobs/999999/retry').type('form').send({ _csrf: csrf })).status).toBe(404);
    expect((await admin.post(`/admin/jobs/${dead.id}/retry`).type('form').send({})).status).toBe(403);
    await world.host.close();
  });
});
