import { afterEach, describe, expect, it } from 'vitest';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createSyncWorld, cronRuns, domainRow, syncModuleConfig, type SyncWorld } from './sync.test-support.ts';

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

    // Once the run is over, "started" is no longer said: the page shows what it did.
    const after = await admin.get('/admin/sync?notice=started');
    expect(after.text).not.toContain('The sync has started');
    expect(after.text).toContain('daily at 05:00 (UTC)');
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

  it('shows a run in progress with what it has checked so far, and refreshes itself until it ends', async () => {
    const config = syncModuleConfig({ sync: { concurrencyPerRegistrar: 1 } });
    (config.registrars as Record<string, { options: Record<string, unknown> }>).sandbox!.options.latencyMs = 40;
    world = await createSyncWorld(db, { config });
    for (let i = 0; i < 60; i++) await world.addActive(`progress-${String(i).padStart(2, '0')}.com`);
    const admin = await loginAs(world.host, DEMO.admin);
    const started = await world.sync.runNow({ trigger: 'admin' });

    let page = await admin.get('/admin/sync');
    for (let i = 0; i < 100 && !/Checked [1-9]\d* of 60/.test(page.text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      page = await admin.get('/admin/sync');
    }
    expect(page.text).toContain(`Run #${started.runId} in progress`);
    expect(page.text).toMatch(/Checked [1-9]\d* of 60/);
    expect(page.text).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');

    await started.done;
    const after = await admin.get('/admin/sync');
    expect(after.text).not.toContain('in progress');
    expect(after.text).not.toContain('http-equiv="refresh"');
    expect(after.text).toContain(`Last finished run (#${started.runId})`);
  });
});
