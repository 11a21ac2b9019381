import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { embedModule, type EmbeddedPlatform } from '../support/embedded-platform.ts';

const db = useMigratedDatabase();
const MOUNTS = { client: '/portal/client', admin: '/backoffice/dt' };
const SESSION = 'session-portal-0001';

/** Every link and form target on a page. */
function targets(html: string): string[] {
  const decode = (text: string) => text.replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/&amp;/g, '&');
  return [...html.matchAll(/\s(?:href|action)="([^"]*)"/g)].map((m) => decode(m[1]!));
}

/** Links into the module must be under the mounts; none may fall back to the default paths. */
function expectUnderMounts(html: string, hostLinks: string[] = []): void {
  for (const target of targets(html).filter((t) => !hostLinks.includes(t))) {
    expect(target, `link ${target}`).not.toMatch(/^\/(client|admin)(\/|$|\?)/);
  }
}

async function client(platform: EmbeddedPlatform) {
  const as = platform.as({ kind: 'client', clientId: platform.clientId, name: 'Ada', sessionId: SESSION });
  const form = await request(platform.app).get(`${MOUNTS.client}/order/domain?action=transfer`).set(as);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
  return { as, csrf, form };
}

describe('the module mounted at /portal/client and /backoffice/dt', () => {
  it('builds every link, form action and redirect of the client pages from where it is mounted', async () => {
    const platform = await embedModule(db, { mounts: MOUNTS });
    const { as, csrf, form } = await client(platform);
    expect(form.status).toBe(200);
    expect(targets(form.text)).toEqual(
      expect.arrayContaining([
        '/portal/client/order/domain?action=transfer',
        '/portal/client/domains',
        '/portal/client/order/domain?action=transfer&lang=zh-CN',
      ]),
    );
    expectUnderMounts(form.text);

    const ordered = await request(platform.app)
      .post(`${MOUNTS.client}/order/domain?action=transfer`)
      .set(as)
      .type('form')
      .send({ _csrf: csrf, domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(ordered.status).toBe(303);
    const list = await request(platform.app).get(`${MOUNTS.client}/domains`).set(as);
    // The pay link is the host's own invoice address, as its billing port gave it.
    expect(targets(list.text)).toContain(ordered.headers.location);
    expectUnderMounts(list.text, [ordered.headers.location!]);

    const page = await request(platform.app).get(`${MOUNTS.client}/domains/demo-transferable.com`).set(as);
    expect(targets(page.text)).toContain('/portal/client/domains/demo-transferable.com/transfer/cancel');
    expectUnderMounts(page.text);
    const cancelled = await request(platform.app).post(`${MOUNTS.client}/domains/demo-transferable.com/transfer/cancel`).set(as).type('form').send({ _csrf: csrf, confirm: 'yes' });
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.location).toBe('/portal/client/domains/demo-transferable.com?notice=cancelled');

    // Nothing answers at the default paths.
    expect((await request(platform.app).get('/client/domains').set(as)).text).toBe('platform 404');
  });

  it('builds the admin pages, their actions and redirects from the admin mount', async () => {
    const platform = await embedModule(db, { mounts: MOUNTS });
    await platform.module.prepare();
    await platform.module.adoptDomain({ domain: 'demo-ours.com', clientId: platform.clientId });
    const as = platform.as({ kind: 'admin', adminId: '1', name: 'Staff', sessionId: SESSION, permissions: '*' });

    const domains = await request(platform.app).get(`${MOUNTS.admin}/domains`).set(as);
    expect(domains.status).toBe(200);
    expect(targets(domains.text)).toEqual(expect.arrayContaining(['/backoffice/dt/domains/demo-ours.com', '/backoffice/dt/jobs', '/backoffice/dt/sync']));
    expectUnderMounts(domains.text);

    const page = await request(platform.app).get(`${MOUNTS.admin}/domains/demo-ours.com`).set(as);
    expect(targets(page.text)).toContain('/backoffice/dt/domains/demo-ours.com/lock');
    expectUnderMounts(page.text);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const locked = await request(platform.app).post(`${MOUNTS.admin}/domains/demo-ours.com/lock`).set(as).type('form').send({ _csrf: csrf });
    expect(locked.status).toBe(303);
    expect(locked.headers.location).toMatch(/^\/backoffice\/dt\/domains\/demo-ours\.com\?notice=\w+#transfer-out$/);

    for (const path of ['/jobs', '/sync', '/registrars/sandbox', '/registrars/manual-tasks']) {
      const other = await request(platform.app).get(`${MOUNTS.admin}${path}`).set(as);
      expect(other.status, path).toBe(200);
      expectUnderMounts(other.text);
    }
  });

  it('puts the declared mounts into links in messages', async () => {
    const platform = await embedModule(db, { mounts: MOUNTS });
    const { as, csrf } = await client(platform);
    await request(platform.app)
      .post(`${MOUNTS.client}/order/domain?action=transfer`)
      .set(as)
      .type('form')
      .send({ _csrf: csrf, domain: 'demo-wrong-code.com', eppCode: 'Wrong-Code-4711' });
    const order = await db.knex('dt_transfer_orders').first();
    await platform.pay(Number(order.invoice_id));
    await platform.module.createWorker().runUntilIdle();
    const messages = await db.knex('host_outbox').select('template', 'body');
    expect(messages.find((m) => m.template === 'transfer.failed_client')?.body).toContain('http://localhost:3000/portal/client/domains/demo-wrong-code.com');
    expect(messages.find((m) => m.template === 'transfer.failed_admin')?.body).toContain('http://localhost:3000/backoffice/dt/domains/demo-wrong-code.com');
  });
});
