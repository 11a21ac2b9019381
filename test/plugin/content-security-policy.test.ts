import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { manifest } from '../../module/index.ts';
import { DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { embedModule } from '../support/embedded-platform.ts';
import { createOutWorld, OURS, post, session } from '../transfer-out/transfer-out.support.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';

const db = useMigratedDatabase();

type Answer = { status: number; headers: Record<string, string>; text: string };

/** Nothing inline, nothing from elsewhere: written out here so that loosening the host's policy fails this test. */
const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
];
const directivesOf = (header: string | undefined) => (header ?? '').split(';').map((d) => d.trim().replace(/\s+/g, ' ')).filter(Boolean);
/** An attribute value as the browser reads it (Handlebars escapes `=` in URLs). */
const attribute = (html: string, pattern: RegExp) => pattern.exec(html)?.[1]?.replace(/&#x3D;/g, '=');

/** Every GET page the manifest declares for a side, with its parameters filled in. */
function modulePages(side: 'client' | 'admin', params: Record<string, string>): string[] {
  const routes = (manifest.routes as Record<string, Array<{ method: string; path: string; query?: string }>>)[side]!;
  return routes
    .filter((r) => r.method === 'GET')
    .map((r) => `/${side}${r.path.replace(/:(\w+)/g, (_, name: string) => params[name] ?? name)}${r.query ? `?${r.query}` : ''}`);
}

/** Tags the policy would block: inline scripts and styles, style="" and on…="" attributes, javascript: links. */
function inlineCode(html: string): string[] {
  const blocked: string[] = [];
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
    if (/^<script\b/i.test(tag) && !/\ssrc=/i.test(tag)) blocked.push(tag);
    if (/^<style\b/i.test(tag)) blocked.push(tag);
    if (/\s(style|on[a-z]+)\s*=/i.test(tag)) blocked.push(tag);
    if (/=\s*["']?\s*javascript:/i.test(tag)) blocked.push(tag);
  }
  return blocked;
}

function expectLockedDown(response: Answer, label: string): void {
  expect(directivesOf(response.headers['content-security-policy']), label).toEqual(POLICY);
  expect(response.headers['x-content-type-options'], label).toBe('nosniff');
  expect(response.headers['referrer-policy'], label).toBe('same-origin');
  expect(response.headers['x-frame-options'], label).toBe('DENY');
  // Plain HTTP: no HSTS (see trust-proxy.test.ts for the TLS side).
  expect(response.headers['strict-transport-security'], label).toBeUndefined();
  if (String(response.headers['content-type']).startsWith('text/html')) expect(inlineCode(response.text), label).toEqual([]);
}

describe('the Content-Security-Policy of the reference host', () => {
  it('is sent by every page, client and admin, module and host, logged in or not, and no page needs inline code', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const { agent: client, csrf } = world.client;
    const ordered = await client.post('/client/order/domain?action=transfer').type('form').send({ _csrf: csrf, domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    const invoiceUrl = ordered.headers.location!;
    expect(invoiceUrl).toMatch(/^\/client\/invoices\/\d+$/);
    const answers: Array<[string, Answer]> = [];

    for (const path of ['/login', '/login?lang=zh-CN', '/no-such-page', '/client', '/admin/domains']) answers.push([`anonymous GET ${path}`, await request(world.host.app).get(path)]);
    answers.push(['a refused login', await request(world.host.app).post('/login').type('form').send({ email: DEMO.client.email, password: 'wrong' })]);

    for (const path of [...modulePages('client', { domain: OURS }), '/client', '/client/invoices', invoiceUrl, '/client/profile', '/admin']) {
      answers.push([`client GET ${path}`, await client.get(path)]);
    }
    // The answer that shows an EPP code, with its copy button.
    const code = await post(world.client, `/client/domains/${OURS}/epp-code`);
    expect(code.text).toContain('data-copy="epp-code-value"');
    answers.push(['the EPP code', code]);
    // A transfer-out under way: forms that ask first (data-confirm), and the page that asks without JavaScript.
    await world.registry.requestTransferOut(OURS, 'other-registrar');
    const pending = await client.get(`/client/domains/${OURS}`);
    expect(pending.text).toContain('data-confirm=');
    answers.push(['a pending transfer-out', pending]);
    answers.push(['the confirmation page', await post(world.client, `/client/domains/${OURS}/transfer-out/cancel`, { confirm: '' })]);

    const admin = await session(world.host, DEMO.admin, '/admin/domains');
    const job = await db.knex('dt_jobs').first('id');
    const adminPages = modulePages('admin', { domain: OURS, id: String(job?.id ?? 1) }).filter((p) => !p.includes('/registrars/manual-tasks/'));
    for (const path of [...adminPages, '/admin', '/admin/services', '/admin/clients', '/admin/invoices', '/admin/outbox', '/client', '/admin/nothing-here']) {
      answers.push([`admin GET ${path}`, await admin.agent.get(path)]);
    }

    for (const [label, response] of answers) expectLockedDown(response, label);
    const statuses = new Set(answers.map(([, r]) => r.status));
    // Pages, redirects to the login page, refusals and errors alike.
    for (const status of [200, 303, 401, 403, 404]) expect(statuses, `a ${status} answer`).toContain(status);
    await world.host.close();
  });

  it('holds on a manual registrar’s task page too, whose instructions keep their line breaks by a class', async () => {
    const world = await createTransferWorld(db, {
      config: {
        registrars: { sandbox: { adapter: 'sandbox', options: {} }, byhand: { adapter: 'manual', options: { registrarName: 'Example Registrar' } } },
        tldRouting: { com: 'sandbox', biz: 'byhand' },
        pricing: { currency: 'USD', transferFee: { com: 1099, biz: 1599 } },
      },
    });
    const ordered = await orderTransfer(world, 'handmade-example.biz', 'Manual-Code-0001');
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    const task = await db.knex('dt_manual_tasks').first('id');
    const page = await (await loginAs(world.host, DEMO.admin)).get(`/admin/registrars/manual-tasks/${task.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<pre class="wrap">');
    expectLockedDown(page, 'a manual task');
    await world.host.close();
  });

  it('serves the stylesheet and script the pages link to anyone, as files the browser may keep', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const login = await request(world.host.app).get('/login');
    const stylesheet = attribute(login.text, /<link rel="stylesheet" href="([^"]+)">/);
    const script = attribute(login.text, /<script src="([^"]+)" defer><\/script>/);
    expect(stylesheet).toMatch(/^\/assets\/domain-transfers\.css\?v=[0-9a-f]{12}$/);
    expect(script).toMatch(/^\/assets\/domain-transfers\.js\?v=[0-9a-f]{12}$/);

    const css = await request(world.host.app).get(stylesheet!);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.text).toContain('--brand:#1f5fbf');
    const js = await request(world.host.app).get(script!);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.text).toContain('data-confirm');
    // An old version's URL is not kept: it must be asked again, and gets today's file.
    expect((await request(world.host.app).get('/assets/domain-transfers.css?v=000000000000')).headers['cache-control']).toBe('no-cache');
    expect((await request(world.host.app).get('/assets/not-ours.js')).status).toBe(404);

    // A logged-in admin's host and module pages link the same files.
    const admin = await session(world.host, DEMO.admin, '/admin');
    for (const path of ['/admin', '/admin/domains']) expect(attribute((await admin.agent.get(path)).text, /<link rel="stylesheet" href="([^"]+)">/), path).toBe(stylesheet);
    await world.host.close();
  });
});

describe('a platform that mounts only the module’s two routers', () => {
  it('gets the stylesheet and script from under each mount, without a login', async () => {
    const platform = await embedModule(db, { mounts: { client: '/portal/client', admin: '/backoffice/dt' } });
    const client = platform.as({ kind: 'client', clientId: platform.clientId, sessionId: 'session-assets-0001' });
    const admin = platform.as({ kind: 'admin', adminId: '1', sessionId: 'session-assets-0002', permissions: '*' });

    const clientPage = await request(platform.app).get('/portal/client/domains').set(client);
    expect(clientPage.status).toBe(200);
    expect(inlineCode(clientPage.text)).toEqual([]);
    const clientCss = attribute(clientPage.text, /<link rel="stylesheet" href="([^"]+)">/)!;
    expect(clientCss).toMatch(/^\/portal\/client\/assets\/domain-transfers\.css\?v=/);

    const adminPage = await request(platform.app).get('/backoffice/dt/sync').set(admin);
    expect(adminPage.status).toBe(200);
    const adminJs = attribute(adminPage.text, /<script src="([^"]+)" defer>/)!;
    expect(adminJs).toMatch(/^\/backoffice\/dt\/assets\/domain-transfers\.js\?v=/);

    for (const url of [clientCss, adminJs]) {
      const file = await request(platform.app).get(url);
      expect(file.status, url).toBe(200);
      expect(file.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
    }
  });
});
