import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();

describe('sandbox faults from the admin page', () => {
  it('sets a fault the next transfer meets, lists it, refuses a bad one naming the field, and clears them', async () => {
    const world = await createTransferWorld(db);
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/registrars/sandbox');
    const add = (fields: Record<string, string>) => admin.post('/admin/registrars/sandbox/sandbox/faults').type('form').send({ _csrf: csrf, ...fields });

    expect((await add({ operation: 'transfer', kind: 'error', errorCode: 'transfer_prohibited', domainPattern: 'demo-transferable.com', times: '1' })).status).toBe(303);
    const page = await admin.get('/admin/registrars/sandbox?notice=fault-added');
    expect(page.text).toContain('The fault is set.');
    expect(page.text).toMatch(/<code>transfer<\/code>[\s\S]*fails with an error: <code>transfer_prohibited<\/code>[\s\S]*demo-transferable\.com[\s\S]*the next 1 call\(s\)/);
    expect(await countRows(db, 'dt_audit_log', { action: 'sandbox.fault_added' })).toBe(1);

    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'transfer_prohibited' });

    const bad = await add({ kind: 'delay', delayMs: 'soon' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The fault was not set: a delay needs delayMs');
    const badRate = await add({ kind: 'hang', ratePercent: '250' });
    expect(badRate.status).toBe(422);
    expect(badRate.text).toContain('rate must be above 0 and at most 1');

    expect((await add({ kind: 'drop', ratePercent: '20' })).status).toBe(303);
    expect((await admin.get('/admin/registrars/sandbox')).text).toContain('20% of calls');
    expect((await admin.post('/admin/registrars/sandbox/sandbox/faults/clear').type('form').send({ _csrf: csrf })).status).toBe(303);
    expect((await admin.get('/admin/registrars/sandbox')).text).toContain('No fault is set');
    expect((await admin.post('/admin/registrars/sandbox/nowhere/faults').type('form').send({ _csrf: csrf, kind: 'hang' })).status).toBe(404);
    await world.host.close();
  });
});
