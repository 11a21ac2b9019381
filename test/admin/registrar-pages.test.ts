import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();
const WITH_MANUAL = {
  registrars: { sandbox: { adapter: 'sandbox', options: {} }, byhand: { adapter: 'manual', options: { registrarName: 'Example Registrar' } } },
  tldRouting: { com: 'sandbox', net: 'sandbox', org: 'sandbox', biz: 'byhand' },
  pricing: { currency: 'USD', transferFee: { com: 1099, net: 1199, org: 1299, biz: 1599 } },
};

describe('admin pages for registrars that need a person', () => {
  it('lists the sandbox domains and approves a pending transfer at once', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);

    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/registrars/sandbox');
    expect(page.status).toBe(200);
    expect(page.text).toContain('demo-transferable.com');
    expect(page.text).toContain('/admin/registrars/sandbox/sandbox/domains/demo-transferable.com/approve');
    const csrf = await csrfOf(admin, '/admin/registrars/sandbox');
    const approved = await admin.post('/admin/registrars/sandbox/sandbox/domains/demo-transferable.com/approve').type('form').send({ _csrf: csrf });
    expect(approved.status).toBe(303);
    const status = await world.host.module.registrars.get('sandbox')!.getTransferStatus('demo-transferable.com');
    expect(status.kind).toBe('completed');
    expect(await countRows(db, 'dt_audit_log', { action: 'sandbox.approve', domain: 'demo-transferable.com' })).toBe(1);

    const refused = await admin.post('/admin/registrars/sandbox/sandbox/domains/demo-transferable.com/approve').type('form').send({ _csrf: csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('The sandbox registry refused');
    await world.host.close();
  });

  it('turns a manual registrar’s transfer into a task: the code revealed to staff once asked, audited, purged on completion', async () => {
    const world = await createTransferWorld(db, { config: WITH_MANUAL });
    const ordered = await orderTransfer(world, 'handmade-example.biz', 'Manual-Code-0001');
    expect(ordered.status).toBe(303);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    expect(await db.knex('dt_domains').first()).toMatchObject({ domain: 'handmade-example.biz', status: 'pending', registrar_id: 'byhand' });

    const admin = await loginAs(world.host, DEMO.admin);
    const list = await admin.get('/admin/registrars/manual-tasks');
    expect(list.text).toContain('handmade-example.biz');
    const task = await db.knex('dt_manual_tasks').first();
    const detail = await admin.get(`/admin/registrars/manual-tasks/${task.id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain('Manual-Code-0001');

    const csrf = await csrfOf(admin, `/admin/registrars/manual-tasks/${task.id}`);
    const revealed = await admin.post(`/admin/registrars/manual-tasks/${task.id}/reveal`).type('form').send({ _csrf: csrf });
    expect(revealed.status).toBe(200);
    expect(revealed.headers['cache-control']).toBe('no-store');
    expect(revealed.text).toContain('Manual-Code-0001');
    expect(await countRows(db, 'dt_audit_log', { action: 'manual_task.reveal_code' })).toBe(1);

    const incomplete = await admin.post(`/admin/registrars/manual-tasks/${task.id}/complete`).type('form').send({ _csrf: csrf, outcome: 'completed' });
    expect(incomplete.status).toBe(422);
    expect(incomplete.text).toContain('Enter the new expiry date as YYYY-MM-DD');

    const done = await admin.post(`/admin/registrars/manual-tasks/${task.id}/complete`).type('form').send({ _csrf: csrf, outcome: 'completed', expiryDate: '2028-03-01' });
    expect(done.status).toBe(303);
    expect((await db.knex('dt_manual_tasks').where({ id: task.id }).first()).auth_code_sealed).toBeNull();
    const status = await world.host.module.registrars.get('byhand')!.getTransferStatus('handmade-example.biz');
    expect(status).toEqual({ kind: 'completed', expiryDate: new Date('2028-03-01T00:00:00Z') });
    await world.host.close();
  });

  it('are closed to clients (403)', async () => {
    const world = await createTransferWorld(db, { config: WITH_MANUAL });
    for (const path of ['/admin/registrars/sandbox', '/admin/registrars/manual-tasks', '/admin/domains', '/admin/jobs']) {
      expect((await world.client.get(path)).status, path).toBe(403);
    }
    const post = await world.client.post('/admin/registrars/sandbox/sandbox/domains/demo-transferable.com/approve').type('form').send({ _csrf: world.csrf });
    expect(post.status).toBe(403);
    await world.host.close();
  });
});
