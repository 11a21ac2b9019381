import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createOutWorld, OURS, OURS_CLASSIC, OURS_LOCKED } from '../transfer-out/transfer-out.support.ts';
import { orderTransfer, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();

async function adminSession(world: { host: TransferWorld['host'] }) {
  const admin = await loginAs(world.host, DEMO.admin);
  return { admin, csrf: await csrfOf(admin, '/admin/domains') };
}

const run = (world: { host: TransferWorld['host'] }) => world.host.module.services.createWorker({ concurrency: 4 }).runUntilIdle();

describe('bulk actions on the filtered Domains list', () => {
  it('locks every domain the filter selects through the single action, with each result and the progress shown', async () => {
    const world = await createOutWorld(db);
    const { admin, csrf } = await adminSession(world);
    await world.registry.injectFault('setLock', 'transfer_prohibited', 1);
    const list = await admin.get('/admin/domains?status=active&registrar=sandbox');
    expect(list.text).toContain('action="/admin/domains/bulk-action"');
    expect(list.text).toContain('<option value="lock">Lock</option>');

    const asked = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'lock', status: 'active', registrar: 'sandbox', sort: 'name' });
    expect(asked.status).toBe(303);
    const progress = asked.headers.location!;
    expect(progress).toMatch(/^\/admin\/bulk-actions\/[\w-]+$/);
    expect((await admin.get(progress)).text).toContain('data-running="true"');
    await run(world);

    const page = await admin.get(progress);
    expect(page.text).toContain('data-running="false"');
    expect(page.text).toContain('3 of 3 domains done');
    const action = await db.knex('dt_bulk_actions').first();
    expect(action).toMatchObject({ action: 'lock', status: 'done', total: 3, succeeded: 2, failed: 1, created_by: 'admin:' + action.created_by.split(':')[1] });
    expect(action.filter).toBe('status=active&registrar=sandbox');
    const items = await db.knex('dt_bulk_action_items').orderBy('id').select('domain', 'outcome', 'result_key');
    expect(items.filter((i) => i.outcome === 'failed')).toEqual([{ domain: expect.any(String), outcome: 'failed', result_key: 'transfer_out:errors.registry_refused' }]);
    for (const item of items.filter((i) => i.outcome === 'succeeded')) {
      expect(item.result_key).toBe('bulk_actions:result.lock_locked');
      expect((await world.registry.getDomain(item.domain))!.statuses).toContain('clientTransferProhibited');
    }
    // The same audit as the single action, naming the admin.
    expect(await db.knex('dt_audit_log').where({ action: 'transfer_out.lock', actor_kind: 'admin' }).count({ n: '*' }).first()).toMatchObject({ n: 2 });
    const zh = await admin.get(`${progress}?lang=zh-CN`);
    expect(zh.text).toContain('已完成 3 / 3 个域名');
    await world.host.close();
  });

  it('syncs the selection now, and retries the failed transfers it selects', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const { admin, csrf } = await adminSession(world);
    // A paid transfer the registry refused (a wrong code): failed, waiting, retryable by an admin.
    const client = { host: world.host, client: world.client.agent, csrf: world.client.csrf } as unknown as TransferWorld;
    const ordered = await orderTransfer(client, 'demo-wrong-code.com', 'Wrong-Code-4711');
    await payInvoice(client, ordered.headers.location!);
    await runJobs(client);
    expect((await db.knex('dt_transfer_orders').first('status')).status).toBe('failed');

    const retry = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'retry_transfer', status: 'pending' });
    expect(retry.status).toBe(303);
    await world.host.module.services.createWorker({ concurrency: 1 }).runUntilIdle();
    const retried = await db.knex('dt_bulk_action_items').where({ domain: 'demo-wrong-code.com' }).first('outcome', 'result_key');
    expect(retried).toEqual({ outcome: 'succeeded', result_key: 'bulk_actions:result.dispatched' });
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).count({ n: '*' }).first()).toMatchObject({ n: 2 });

    const sync = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'sync', q: 'demo-ours' });
    expect(sync.status).toBe(303);
    await run(world);
    const synced = await db.knex('dt_bulk_actions').where({ action: 'sync' }).first();
    expect(synced).toMatchObject({ status: 'done', total: 1, succeeded: 1 });
    expect(await db.knex('dt_bulk_action_items').where({ action_id: synced.id }).first('domain', 'result_key')).toEqual({ domain: OURS, result_key: 'bulk_actions:result.sync_unchanged' });
    expect(Number((await db.knex('dt_domains').where({ domain: OURS }).first('last_checked_at')).last_checked_at)).toBeGreaterThan(0);
    await world.host.close();
  });

  it('refuses an unknown action, an empty selection and one above bulk.maxActionDomains with the reason, creating nothing', async () => {
    const world = await createOutWorld(db, { config: { bulk: { maxActionDomains: 2 } } });
    const { admin, csrf } = await adminSession(world);
    const unknown = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'delete' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('There is no bulk action “delete”');
    const none = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'lock', client: '999999' });
    expect(none.status).toBe(409);
    expect(none.text).toContain('The filter selects no domains');
    const many = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'lock' });
    expect(many.status).toBe(409);
    expect(many.text).toContain('more than 2 domains');
    const badFilter = await admin.post('/admin/domains/bulk-action').type('form').send({ _csrf: csrf, action: 'lock', status: 'nonsense' });
    expect(badFilter.status).toBe(422);
    const unsigned = await admin.post('/admin/domains/bulk-action').type('form').send({ action: 'lock', client: world.clientId });
    expect(unsigned.status).toBe(403);
    expect(await db.knex('dt_bulk_actions').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(await db.knex('dt_jobs').where({ type: 'BulkDomainActionJob' }).count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });

  it('answers 403 to a client on the bulk action routes', async () => {
    const world = await createOutWorld(db, { adopt: [OURS_LOCKED, OURS_CLASSIC] });
    const client = world.client;
    expect((await client.agent.post('/admin/domains/bulk-action').type('form').send({ _csrf: client.csrf, action: 'unlock' })).status).toBe(403);
    expect((await client.agent.get('/admin/bulk-actions/abc')).status).toBe(403);
    expect(await db.knex('dt_bulk_actions').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });
});
