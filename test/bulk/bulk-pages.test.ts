import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createTransferWorld, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();
const SECRET_CODE = 'Zz9,"<b>码</b>"';

describe('Admin → Bulk transfers pages', () => {
  it('takes an uploaded file, shows its progress and then every row’s result, never the codes', async () => {
    const world = await createTransferWorld(db);
    const clientId = String((await world.host.accounts.findUserByEmail(DEMO.client.email))!.client_id);
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/bulk-transfers');
    const file = Buffer.from(`\ufeffdomain,auth_code\r\ndemo-transferable.com,"${SECRET_CODE.replace(/"/g, '""')}"\r\ndemo-locked.com,code1234\r\nnot a name,code1234\r\n`);

    const unsigned = await admin.post('/admin/bulk-transfers').field('client', clientId).attach('file', file, 'domains.csv');
    expect(unsigned.status).toBe(403);
    expect(await db.knex('dt_bulk_imports').count({ n: '*' }).first()).toMatchObject({ n: 0 });

    const uploaded = await admin.post(`/admin/bulk-transfers?_csrf=${encodeURIComponent(csrf)}`).field('client', clientId).attach('file', file, 'domains.csv');
    expect(uploaded.status).toBe(303);
    const preview = uploaded.headers.location!;
    const checking = await admin.get(preview);
    expect(checking.text).toContain('data-running="true"');
    await runJobs(world);
    const page = await admin.get(preview);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-running="false"');
    expect(page.text).toContain('3 of 3 rows checked');
    expect(page.text).toContain('demo-transferable.com');
    expect(page.text).toMatch(/Accepted \(1\)/);
    expect(page.text).toMatch(/Refused \(2\)/);
    // The code's comma and markup cannot occur in the page's random tokens (base64url), its letters can.
    expect(page.text).not.toMatch(/Zz9,|<b>码|&lt;b&gt;码/);
    const zh = await admin.get(`${preview}?lang=zh-CN`);
    expect(zh.text).toContain('已检查 3 / 3 行');

    // Confirmed from the page: one order for the accepted row; sent twice, still one.
    expect(page.text).toContain('Create orders for 1 accepted domains');
    await admin.get(`${preview}?lang=en`);
    expect((await admin.post(`${preview}/confirm`).type('form').send({})).status).toBe(403);
    for (let i = 0; i < 2; i++) expect((await admin.post(`${preview}/confirm`).type('form').send({ _csrf: csrf })).status).toBe(303);
    expect((await admin.get(preview)).text).toContain('Being confirmed');
    await runJobs(world);
    const confirmed = await admin.get(preview);
    expect(confirmed.text).toContain('Orders created');
    expect(confirmed.text).toMatch(/Client [^:]+: 1 domains/);
    expect(confirmed.text).not.toContain('Create orders for');
    expect(await db.knex('host_orders').count({ n: '*' }).first()).toMatchObject({ n: 1 });
    await world.host.close();
  });

  it('takes pasted rows from the same form, and refuses a bad file with its reason in the admin’s language', async () => {
    const world = await createTransferWorld(db);
    const clientId = String((await world.host.accounts.findUserByEmail(DEMO.client.email))!.client_id);
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/bulk-transfers');
    const pasted = await admin.post('/admin/bulk-transfers').type('form').send({ _csrf: csrf, client: clientId, paste: 'demo-transferable.com,code1234\n' });
    expect(pasted.status).toBe(303);

    const binary = await admin.post(`/admin/bulk-transfers?_csrf=${encodeURIComponent(csrf)}`).field('client', clientId).attach('file', Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0]), 'domains.xlsx');
    expect(binary.status).toBe(422);
    expect(binary.text).toContain('not CSV text in UTF-8');
    const empty = await admin.post('/admin/bulk-transfers').type('form').send({ _csrf: csrf, client: clientId, paste: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Choose a CSV file or paste its rows.');
    expect(await db.knex('dt_bulk_imports').count({ n: '*' }).first()).toMatchObject({ n: 1 });
    await world.host.close();
  });

  it('answers 403 to a client on every bulk route', async () => {
    const world = await createTransferWorld(db);
    const client = await loginAs(world.host, DEMO.client);
    expect((await client.get('/admin/bulk-transfers')).status).toBe(403);
    expect((await client.get('/admin/bulk-transfers/abc')).status).toBe(403);
    expect((await client.post('/admin/bulk-transfers').type('form').send({ paste: 'a.com,code1234' })).status).toBe(403);
    expect((await client.post('/admin/bulk-transfers/abc/confirm').type('form').send({})).status).toBe(403);
    await world.host.close();
  });
});
