import { afterEach, describe, expect, it } from 'vitest';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createSyncWorld, cronRuns, domainRow, type SyncWorld } from './sync.test-support.ts';

const db = useMigratedDatabase();
let world: SyncWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function waitForFinishedRun() {
  for (let i = 0; i < 200; i++) {
    const runs = await cronRuns(db);
    if (runs.length && runs.every((r) => r.status !== 'running')) return runs;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the run did not finish');
}

describe('Admin → Sync', () => {
  it('"Run sync now" starts the same run, refuses a form without its CSRF token, and the page shows the summary', async () => {
    world = await createSyncWorld(db);
    await world.addPending('button.com');
    await world.sandbox.registry.approvePendingTransfer('button.com');
    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/sync');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Run sync now');
    expect(page.text).toContain('href="/admin/sync"');

    expect((await admin.post('/admin/sync/run').type('form').send({})).status).toBe(403);
    expect(await cronRuns(db)).toEqual([]);

    const csrf = await csrfOf(admin, '/admin/sync');
    const response = await admin.post('/admin/sync/run').type('form').send({ _csrf: csrf });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/admin/sync?notice=started');
    const runs = await waitForFinishedRun();
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([['admin', 'succeeded']]);
    expect((await domainRow(db, 'button.com')).status).toBe('active');

    const after = await admin.get('/admin/sync?notice=started');
    expect(after.text).toContain('The sync has started.');
    expect(after.text).toContain('Transferred in');
    expect(after.text).toMatch(/button\.com<\/a>: Transferred in/);
    const zh = await admin.get('/admin/sync').set('Cookie', 'lang=zh-CN').set('Accept-Language', 'zh-CN');
    expect(zh.text).toContain('立即同步');
  });

  it('does not start a second whole run while one holds its lease', async () => {
    world = await createSyncWorld(db);
    await world.sync.runs.startManual('sync-domain-statuses', 'other-instance', 60_000, 'cli', null);
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/sync');
    const response = await admin.post('/admin/sync/run').type('form').send({ _csrf: csrf });
    expect(response.headers.location).toBe('/admin/sync?notice=already_running');
    expect(await cronRuns(db)).toHaveLength(1);
  });
});
