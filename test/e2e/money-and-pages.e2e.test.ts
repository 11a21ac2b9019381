import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login, useChromium } from './browser.support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { buildHost, type Host } from '../../host/build-host.ts';
import { DEMO, clientIdOf, seedDemo, testModuleConfig, TEST_ENV } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';

/** Screenshots of every page visited, in both languages: kept as the run's artifacts. */
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.resolve('test-artifacts/e2e');

const db = useMigratedDatabase();
const chrome = useChromium();


async function serve(): Promise<{ host: Host; server: Server; base: string }> {
  const host = buildHost({ knex: db.knex, logger: pino({ level: 'silent' }), env: TEST_ENV, config: { ...testModuleConfig(), jobs: { runInHost: true, pollIntervalMs: 100 } } });
  await seedDemo(db);
  await host.module.start();
  await host.module.adoptDomain({ domain: 'demo-ours.com', clientId: await clientIdOf(host, DEMO.client.email) });
  const server = host.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { host, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The page now, in English and in Chinese, as files named after it. */
async function screenshots(page: Page, name: string): Promise<void> {
  const here = new URL(page.url());
  for (const lang of ['en', 'zh-CN']) {
    here.searchParams.set('lang', lang);
    const response = await page.goto(here.toString());
    expect(response?.status(), `${name} in ${lang}`).toBe(200);
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.${lang}.png`), fullPage: true });
  }
  here.searchParams.set('lang', 'en');
  await page.goto(here.toString());
}

const text = (page: Page) => page.textContent('main').then((t) => t ?? '');

/** Every Content-Security-Policy violation the browser reports on these pages. */
function watchPolicyViolations(...pages: Page[]): string[] {
  const violations: string[] = [];
  for (const page of pages) page.on('console', (message) => void (message.text().includes('Content Security Policy') && violations.push(message.text())));
  return violations;
}

describe('money and pages in a real browser', () => {
  it('pay, cancel and see the credit; switch language after a post; reload after Get EPP Code; an IDN name; a transfer-out under way', async () => {
    const { host, server, base } = await serve();
    const client = await chrome.browser.newPage();
    const admin = await chrome.browser.newPage();
    const violations = watchPolicyViolations(client, admin);
    try {
      await login(client, base, DEMO.client);

      // A refusal is the answer to a post: switching language from it lands on the form, not a 404.
      await client.goto(`${base}/client/order/domain?action=transfer`);
      await client.fill('#domain', 'demo-locked.com');
      await client.fill('#eppCode', SANDBOX_DEMO_AUTH_CODE);
      await Promise.all([client.waitForNavigation(), client.click('form[action*="order/domain"] button[type=submit]')]);
      expect(await text(client)).toContain('Unlock it at your current registrar');
      const [switched] = await Promise.all([client.waitForNavigation(), client.click('a[hreflang="zh-CN"]')]);
      expect(switched?.status()).toBe(200);
      expect(await text(client)).toContain('转入');
      await client.click('a[hreflang="en"]');

      // An internationalised name is spoken of as people write it.
      await client.fill('#domain', 'münchen.com');
      await client.fill('#eppCode', SANDBOX_DEMO_AUTH_CODE);
      await Promise.all([client.waitForNavigation(), client.click('form[action*="order/domain"] button[type=submit]')]);
      expect(await text(client)).toContain('münchen.com');
      expect(await text(client)).not.toContain('xn--mnchen');
      await screenshots(client, '01-order-refused');

      // Pay for a transfer the registry will refuse, cancel it, and get the money back as credit.
      await client.fill('#domain', 'demo-wrong-code.com');
      await client.fill('#eppCode', 'Wrong-Code-4711');
      await Promise.all([client.waitForURL(/\/client\/invoices\/\d+$/), client.click('form[action*="order/domain"] button[type=submit]')]);
      const invoiceUrl = client.url();
      await Promise.all([client.waitForNavigation(), client.click('form[action$="/pay"] button[type=submit]')]);
      await expect
        .poll(async () => {
          await client.goto(`${base}/client/domains/demo-wrong-code.com`);
          return text(client);
        }, { timeout: 15_000, interval: 300 })
        .toContain('The transfer could not go ahead');
      await Promise.all([client.waitForNavigation(), client.click('a[href$="/transfer/cancel"]')]);
      expect(await text(client)).toContain('You paid $10.99 for this transfer. It will be credited to your account at once');
      await screenshots(client, '02-cancel-confirmation');
      await Promise.all([client.waitForNavigation(), client.click('form[action$="/transfer/cancel"] button[type=submit]')]);
      await expect
        .poll(async () => {
          await client.reload();
          return text(client);
        }, { timeout: 15_000, interval: 300 })
        .toContain('was credited to your account');
      await screenshots(client, '03-domain-credited');
      await client.goto(invoiceUrl);
      expect(await text(client)).toMatch(/CN-\d+/);
      await screenshots(client, '04-invoice-credit-note');

      await login(admin, base, DEMO.admin);
      await admin.goto(`${base}/admin/domains/demo-wrong-code.com`);
      expect(await text(admin)).toContain("was credited to the client's account");
      await screenshots(admin, '05-admin-domain-credited');

      // Get EPP Code once; a reload re-sends the post and is told when the code was issued.
      await client.goto(`${base}/client/domains/demo-ours.com`);
      const hashBefore = (await db.knex('dt_sandbox_domains').where({ name: 'demo-ours.com' }).first('auth_code_hash')).auth_code_hash;
      await Promise.all([client.waitForNavigation(), client.click('form[action$="/epp-code"] button[type=submit]')]);
      expect(await client.locator('#epp-code-value').textContent()).toMatch(/\S{16,}/);
      const hashAfter = (await db.knex('dt_sandbox_domains').where({ name: 'demo-ours.com' }).first('auth_code_hash')).auth_code_hash;
      expect(hashAfter).not.toBe(hashBefore);
      await client.reload();
      expect(await text(client)).toContain('A code was already issued from this form');
      expect(await client.locator('#epp-code-value').count()).toBe(0);
      expect((await db.knex('dt_sandbox_domains').where({ name: 'demo-ours.com' }).first('auth_code_hash')).auth_code_hash).toBe(hashAfter);
      expect(await db.knex('dt_audit_log').where({ action: 'transfer_out.epp_code' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
      // Switching language from that answer stays on a real page.
      const [zhAfterCode] = await Promise.all([client.waitForNavigation(), client.click('a[hreflang="zh-CN"]')]);
      expect(zhAfterCode?.status()).toBe(200);
      await client.click('a[hreflang="en"]');

      // Another registrar asks for demo-ours.com: the client sees the transfer under way, not a rule broken.
      await admin.goto(`${base}/admin/registrars/sandbox`);
      await Promise.all([admin.waitForNavigation(), admin.click('form[action$="/demo-ours.com/request-transfer-out"] button[type=submit]')]);
      await client.goto(`${base}/client/domains/demo-ours.com`);
      expect(await client.locator('tr[data-rule-state="unmet"]').count()).toBe(0);
      expect(await client.locator('tr[data-rule-state="in_progress"]').count()).toBe(1);
      expect(await text(client)).toContain('the transfer-out is under way');
      await screenshots(client, '06-transfer-out-under-way');
      await client.goto(`${base}/client/domains`);
      expect(await text(client)).toContain('transfer-out pending');
      await screenshots(client, '07-my-domains');

      for (const [name, url] of [
        ['08-admin-domains', '/admin/domains'],
        ['09-admin-jobs', '/admin/jobs'],
        ['10-admin-sync', '/admin/sync'],
        ['11-admin-sandbox', '/admin/registrars/sandbox'],
      ] as const) {
        await admin.goto(`${base}${url}`);
        await screenshots(admin, name);
      }
      expect(violations).toEqual([]);
    } finally {
      await client.close();
      await admin.close();
      server.close();
      await host.close();
    }
  }, 120_000);
});
