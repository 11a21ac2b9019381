import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../module/clock.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { useMigratedDatabase, type TestDatabase } from '../support/test-database.ts';
import { embedModule, type EmbeddedPlatform } from '../support/embedded-platform.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();
const SESSION = 'session-dashboard-01';
const admin = (permissions: '*' | string[] = '*') => ({ kind: 'admin', adminId: '7', name: 'Staff', sessionId: SESSION, permissions });

/** The platform's clock reads 2026-06-01T09:00Z; these are whole days before it. */
const daysAgo = (platform: EmbeddedPlatform, days: number) => platform.clock.now().getTime() - days * DAY_MS;

let sequence = 0;
async function insertOrder(db: TestDatabase, domain: string, status: string, codeResubmissions = 0): Promise<number> {
  const now = Date.parse('2026-05-01T00:00:00Z');
  sequence++;
  const [id] = await db.knex('dt_transfer_orders').insert(
    {
      order_item_id: `item-${sequence}`,
      order_id: `order-${sequence}`,
      invoice_id: `invoice-${sequence}`,
      client_id: '1',
      domain,
      open_domain: status === 'cancelled' ? null : domain,
      registrar_id: 'sandbox',
      amount_minor: 1099,
      currency: 'USD',
      status,
      code_resubmissions: codeResubmissions,
      failure_code: status === 'failed' ? 'auth_code_invalid' : null,
      created_at: now,
      updated_at: now,
    },
    'id',
  );
  return Number(typeof id === 'object' ? id.id : id);
}

async function insertDomain(db: TestDatabase, domain: string, status: string, changedAt: number, extra: Record<string, unknown> = {}): Promise<number> {
  const [id] = await db.knex('dt_domains').insert({ domain, client_id: '1', registrar_id: 'sandbox', status, status_changed_at: changedAt, created_at: changedAt, updated_at: changedAt, ...extra }, 'id');
  return Number(typeof id === 'object' ? id.id : id);
}

async function insertJob(db: TestDatabase, key: string, status: string): Promise<void> {
  const now = Date.parse('2026-05-31T00:00:00Z');
  await db.knex('dt_jobs').insert({ key, type: 'SendNotificationsJob', payload: '{"messages":[]}', status, attempts: 0, max_attempts: 8, run_at: now, created_at: now, updated_at: now });
}

async function insertManualTask(db: TestDatabase, domain: string, status: 'open' | 'done'): Promise<void> {
  const now = Date.parse('2026-05-31T00:00:00Z');
  await db.knex('dt_manual_tasks').insert({ adapter_id: 'byhand', domain, operation: 'lock', status, open_key: status === 'open' ? `key-${domain}` : null, instructions: 'Lock it.', created_at: now, updated_at: now });
}

/** The figures of one section, as `label → [count, href]` (hrefs as the browser reads them). */
function figures(html: string, section: string): Record<string, [number, string]> {
  const part = new RegExp(`aria-labelledby="${section}">([\\s\\S]*?)</section>`).exec(html)?.[1] ?? '';
  const found = [...part.matchAll(/<a href="([^"]+)"><span class="figure">(\d+)<\/span> ([^<]+)<\/a>/g)];
  return Object.fromEntries(found.map((m) => [m[3]!.trim(), [Number(m[2]), m[1]!.replace(/&#x3D;/g, '=')]]));
}

/** The "needs action" lines, by id: how many, and where the link goes. */
function needsAction(html: string): Record<string, [number, string]> {
  const found = [...html.matchAll(/<li id="needs-([\w-]+)"><a href="([^"]+)"><span class="figure">(\d+)<\/span>/g)];
  return Object.fromEntries(found.map((m) => [m[1]!, [Number(m[3]), m[2]!.replace(/&#x3D;/g, '=')]]));
}

describe('Admin → Dashboard', () => {
  it('counts domains and jobs by status, each linked to its list, and what needs action', async () => {
    const platform = await embedModule(db);
    const now = platform.clock.now().getTime();
    await insertDomain(db, 'fresh-pending.com', 'pending', daysAgo(platform, 2));
    await insertDomain(db, 'stuck-pending.com', 'pending', daysAgo(platform, 11));
    const code = await insertOrder(db, 'wrong-code.com', 'failed', 1);
    await insertDomain(db, 'wrong-code.com', 'pending', daysAgo(platform, 20), { transfer_order_id: code, failure_code: 'auth_code_invalid' });
    const usedUp = await insertOrder(db, 'codes-used-up.com', 'failed', 5);
    await insertDomain(db, 'codes-used-up.com', 'pending', daysAgo(platform, 3), { transfer_order_id: usedUp, failure_code: 'auth_code_invalid' });
    await insertOrder(db, 'waiting-payment.com', 'awaiting_payment');
    await insertDomain(db, 'ours.com', 'active', now);
    await insertDomain(db, 'asked-for.com', 'active', now, { transfer_out_gaining: 'other-registrar', transfer_out_requested_at: daysAgo(platform, 1) });
    // Long unchanged, but not pending: never stuck.
    await insertDomain(db, 'old-active.com', 'active', daysAgo(platform, 400));
    await insertDomain(db, 'ended.com', 'cancelled', now);
    // Gone with its transfer-out request on record: no longer one to act on.
    await insertDomain(db, 'left.com', 'transferred_away', now, { transfer_out_gaining: 'other-registrar', transfer_out_requested_at: daysAgo(platform, 6) });
    for (const [key, status] of [['q1', 'queued'], ['q2', 'queued'], ['d1', 'done'], ['x1', 'dead'], ['x2', 'dead'], ['x3', 'dead']]) await insertJob(db, key!, status!);
    await insertManualTask(db, 'by-hand-1.biz', 'open');
    await insertManualTask(db, 'by-hand-2.biz', 'open');
    await insertManualTask(db, 'by-hand-3.biz', 'done');

    const page = await request(platform.app).get('/admin/dashboard').set(platform.as(admin()));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Domain transfers dashboard');
    expect(figures(page.text, 'dashboard-domains')).toEqual({
      Pending: [4, '/admin/domains?status=pending'],
      Active: [3, '/admin/domains?status=active'],
      Cancelled: [1, '/admin/domains?status=cancelled'],
      'Transferred away': [1, '/admin/domains?status=transferred_away'],
    });
    expect(figures(page.text, 'dashboard-jobs')).toEqual({
      Queued: [2, '/admin/jobs?status=queued'],
      Running: [0, '/admin/jobs?status=running'],
      Done: [1, '/admin/jobs?status=done'],
      Dead: [3, '/admin/jobs?status=dead'],
    });
    expect(needsAction(page.text)).toEqual({
      awaiting_code: [1, '/admin/domains?status=pending'],
      awaiting_admin: [1, '/admin/domains?status=pending'],
      dead_jobs: [3, '/admin/jobs?status=dead'],
      // The refused transfer pending for 20 days waits for a code; it is not counted again as stuck.
      stuck: [1, '/admin/domains?status=pending'],
      transfer_outs: [1, '/admin/domains?status=active'],
      manual_tasks: [2, '/admin/registrars/manual-tasks'],
    });
    expect(page.text).toContain('transfer pending at the registry for more than 10 days');
    // The dashboard is the first of the module's links in the header, and the current one.
    expect(page.text).toMatch(/<nav><a href="\/admin\/dashboard" class="current" aria-current="page">Dashboard<\/a><a href="\/admin\/domains">/);
  });

  it('says so when nothing needs action, and when the sync has not run', async () => {
    const platform = await embedModule(db);
    await insertDomain(db, 'ours.com', 'active', platform.clock.now().getTime());
    const page = await request(platform.app).get('/admin/dashboard').set(platform.as(admin()));
    expect(page.status).toBe(200);
    expect(needsAction(page.text)).toEqual({});
    expect(page.text).toContain('Nothing needs action right now.');
    expect(page.text).toContain('The status sync has not run yet.');
    expect(page.text).toContain('No transfer was requested, completed or cancelled in the last 30 days.');
    expect(page.text).not.toContain('<svg');
  });

  it('lists a transfer as stuck once it has been pending longer than sync.stuckAfterDays', async () => {
    const platform = await embedModule(db);
    await insertDomain(db, 'eleven-days.com', 'pending', daysAgo(platform, 11));
    await insertDomain(db, 'nine-days.com', 'pending', daysAgo(platform, 9));
    const stuck = async () => needsAction((await request(platform.app).get('/admin/dashboard').set(platform.as(admin()))).text).stuck?.[0] ?? 0;
    expect(await stuck()).toBe(1);
    platform.clock.advanceDays(2);
    expect(await stuck()).toBe(2);

    const patient = await embedModule(db, { config: { sync: { enabled: false, stuckAfterDays: 12 } } });
    patient.clock.set(platform.clock.now());
    expect(needsAction((await request(patient.app).get('/admin/dashboard').set(patient.as(admin()))).text).stuck?.[0]).toBe(1);
    expect(await patient.module.services.dashboard.stuckTransfers()).toBe(1);
  });

  it('shows the last finished sync run: when, how it ended, its figures, and a link to the runs', async () => {
    const platform = await embedModule(db);
    const started = Date.parse('2026-06-01T05:00:00Z');
    const summary = {
      mode: 'full', trigger: 'schedule', dryRun: false, domain: null, result: 'ok', startedAt: new Date(started).toISOString(), durationMs: 4200, total: 40,
      checked: 37, changed: { completed: 5, cancelled: 2, transferred_away: 1, expiry_changed: 3 }, unchanged: 26, errors: 2, skipped: 1,
      errorsByCode: { transient: 2 }, skippedByReason: { registrar_down: 1 }, registrars: {}, changes: [], changesTruncated: false,
    };
    const run = (id: number, status: string, task: string, startedAt: number, json: object | null) => ({
      id, task, slot_at: null, trigger: 'schedule', status, owner: 'test', lease_expires_at: startedAt, started_at: startedAt, heartbeat_at: startedAt, finished_at: status === 'running' ? null : startedAt + 4200, summary: json ? JSON.stringify(json) : null,
    });
    await db.knex('dt_cron_runs').insert([
      run(1, 'succeeded', 'sync-domain-statuses', started - DAY_MS, { ...summary, checked: 1 }),
      run(2, 'succeeded', 'sync-domain-statuses', started, summary),
      // Not a sync, and still running: neither is "the last sync run".
      run(3, 'succeeded', 'expire-transfer-orders', started + 60_000, { expiredUnpaid: 0 }),
      run(4, 'running', 'sync-pending-transfers', started + 120_000, null),
    ]);
    const page = await request(platform.app).get('/admin/dashboard').set(platform.as(admin()));
    const section = /aria-labelledby="dashboard-sync">([\s\S]*?)<\/section>/.exec(page.text)![1]!;
    expect(section).toContain('<span class="status succeeded">Succeeded</span>');
    expect(section).toContain('Run #2: Daily sync (Schedule), started Jun 1, 2026, 05:00 UTC.');
    expect(section).toContain('It took 4.2 s.');
    expect(section).toContain('<tbody><tr><td>37</td><td>5</td><td>2</td><td>1</td><td>3</td><td>2</td><td>1</td></tr></tbody>');
    expect(section).toContain('href="/admin/sync"');

    // An admin who may not see the sync page does not get its summary either, nor job figures.
    const narrow = await request(platform.app).get('/admin/dashboard').set(platform.as(admin(['domains.view_all'])));
    expect(narrow.status).toBe(200);
    expect(narrow.text).not.toContain('dashboard-sync');
    expect(narrow.text).not.toContain('dashboard-jobs');
    expect(narrow.text).not.toContain('href="/admin/sync"');
  });

  it('shows how the last sync run failed, in the first line of its error', async () => {
    const platform = await embedModule(db);
    const started = Date.parse('2026-06-01T05:00:00Z');
    await db.knex('dt_cron_runs').insert({
      id: 5, task: 'sync-domain-statuses', slot_at: null, trigger: 'schedule', status: 'failed', owner: 'test', lease_expires_at: started, started_at: started, heartbeat_at: started,
      finished_at: started + 900, summary: null, error: 'database unavailable: connect ECONNREFUSED\n    at Connection.connect (node_modules/mysql2/index.js:1:1)',
    });
    const page = await request(platform.app).get('/admin/dashboard').set(platform.as(admin()));
    const section = /aria-labelledby="dashboard-sync">([\s\S]*?)<\/section>/.exec(page.text)![1]!;
    expect(section).toContain('<span class="status failed">');
    expect(section).toContain('Run #5: Daily sync (Schedule), started Jun 1, 2026, 05:00 UTC.');
    expect(section).toContain('<p class="hint">database unavailable: connect ECONNREFUSED</p>');
    expect(section).not.toContain('Connection.connect');
    expect(section).not.toContain('<table');
  });

  it('charts transfers per UTC day by outcome, with the same figures in a table', async () => {
    const platform = await embedModule(db);
    const domainId = await insertDomain(db, 'charted.com', 'active', platform.clock.now().getTime());
    const may28 = Date.parse('2026-05-28T00:00:00Z');
    const history = (from: string | null, to: string, at: number) => ({ domain_id: domainId, from_status: from, to_status: to, cause: 'test', actor: 'test', created_at: at });
    await db.knex('dt_domain_status_history').insert([
      history(null, 'pending', may28 + 1000),
      history('cancelled', 'pending', may28 + 23 * 3600_000),
      // A refused attempt noted on a pending domain is not a new request; an adopted domain is no transfer.
      history('pending', 'pending', may28 + 2000),
      history(null, 'active', may28 + 3000),
      history('pending', 'active', may28 + 4000),
      history('pending', 'active', may28 + 5000),
      history('pending', 'active', may28 + DAY_MS - 1),
      history('pending', 'cancelled', may28 + 6000),
      history('pending', 'cancelled', may28 + 7000),
      // The next day, and a day outside the 30 shown.
      history(null, 'pending', may28 + DAY_MS),
      history(null, 'pending', Date.parse('2026-05-02T12:00:00Z')),
    ]);
    const page = await request(platform.app).get('/admin/dashboard').set(platform.as(admin()));
    expect(page.text).toContain('<tr><th scope="row">May 28, 2026</th><td>2</td><td>3</td><td>2</td></tr>');
    expect(page.text).toContain('<tr><th scope="row">May 29, 2026</th><td>1</td><td>0</td><td>0</td></tr>');
    expect(page.text).toContain('<tr><th scope="row">May 3, 2026</th><td>0</td><td>0</td><td>0</td></tr>');
    expect(page.text).not.toContain('May 2, 2026');
    expect(page.text).toContain('<tfoot><tr><th scope="row">Total</th><td>3</td><td>3</td><td>2</td></tr></tfoot>');

    const svg = /<svg[\s\S]*?<\/svg>/.exec(page.text)![0];
    expect(svg).toContain('role="img" aria-label="Bar chart of transfers per day over the last 30 days: 3 requested, 3 completed, 2 cancelled or failed.');
    expect(svg).toContain('<title>May 28, 2026: 2 transfers requested</title>');
    expect(svg).toContain('<title>May 28, 2026: 3 transfers completed</title>');
    expect(svg).toContain('<title>May 28, 2026: 2 transfers cancelled or failed</title>');
    expect(svg).toContain('<title>May 29, 2026: 1 transfer requested</title>');
    expect(svg.match(/<rect class="bar /g)).toHaveLength(4);
    for (const outcome of ['requested', 'completed', 'cancelled']) expect(svg).toContain(`fill="url(#dashboard-transfers-${outcome})"`);

    const days = await platform.module.services.dashboard.transfersPerDay();
    expect(days).toHaveLength(30);
    expect(days[29]!.day.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(days.find((d) => d.day.getTime() === may28)!.counts).toEqual({ requested: 2, completed: 3, cancelled: 2 });
  });

  it('renders in Simplified Chinese', async () => {
    const platform = await embedModule(db);
    await insertDomain(db, 'stuck-pending.com', 'pending', daysAgo(platform, 11));
    const domainId = await insertDomain(db, 'charted.com', 'active', platform.clock.now().getTime());
    await db.knex('dt_domain_status_history').insert({ domain_id: domainId, from_status: 'pending', to_status: 'active', cause: 'test', actor: 'test', created_at: daysAgo(platform, 1) });
    const page = await request(platform.app).get('/admin/dashboard?lang=zh-CN').set(platform.as(admin()));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="zh-CN">');
    expect(page.text).toContain('<h1>域名转移概览</h1>');
    expect(page.text).toContain('待处理事项');
    expect(page.text).toContain('个转入在注册局处理已超过 10 天');
    expect(page.text).toContain('状态同步尚未运行过。');
    expect(page.text).toContain('>已申请</text>');
    expect(page.text).toContain('<title>2026年5月31日：已完成 1 个转入</title>');
    expect(page.text).toContain('>概览</a>');
    expect(page.text).not.toMatch(/dashboard:|needs_action\./);
  });

  it('is closed to clients (403)', async () => {
    const platform = await embedModule(db);
    const response = await request(platform.app).get('/admin/dashboard').set(platform.as({ kind: 'client', clientId: platform.clientId, sessionId: SESSION }));
    expect(response.status).toBe(403);
  });
});

describe('the dashboard’s figures from real transfers', () => {
  it('counts a transfer the registry refused as waiting for a corrected code, and a requested one on its day', async () => {
    const world = await createTransferWorld(db);
    for (const [domain, code] of [['demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE], ['demo-transferable.com', SANDBOX_DEMO_AUTH_CODE]] as const) {
      const ordered = await orderTransfer(world, domain, code);
      await payInvoice(world, ordered.headers.location!);
    }
    await runJobs(world);
    const { dashboard } = world.host.module.services;
    expect(await dashboard.failedTransfers()).toEqual({ awaitingCode: 1, awaitingAdmin: 0 });
    expect(await dashboard.domainsByStatus()).toEqual({ pending: 2, active: 0, cancelled: 0, transferred_away: 0 });
    expect(await dashboard.stuckTransfers()).toBe(0);
    const today = (await dashboard.transfersPerDay()).at(-1)!;
    expect(today.counts).toEqual({ requested: 2, completed: 0, cancelled: 0 });

    world.clock.advanceDays(11);
    // The refused one still waits for its code; only the one at the registry is stuck.
    expect(await dashboard.stuckTransfers()).toBe(1);
    await world.host.close();
  });
});
