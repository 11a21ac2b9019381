import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { useChromium } from './browser.support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { buildHost, type Host } from '../../host/build-host.ts';
import { DEMO, seedDemo, testModuleConfig, TEST_ENV } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';


const db = useMigratedDatabase();
const chrome = useChromium();


async function serve(): Promise<{ host: Host; server: Server; base: string }> {
  const host = buildHost({
    knex: db.knex,
    logger: pino({ level: 'silent' }),
    env: TEST_ENV,
    config: { ...testModuleConfig(), jobs: { runInHost: true, pollIntervalMs: 100 } },
  });
  await seedDemo(db);
  await host.module.start();
  const server = host.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { host, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('a client in a real browser', () => {
  it('is refused with a reason, then transfers a domain in: order, pay, and watch it go pending', async () => {
    const { host, server, base } = await serve();
    const page = await chrome.browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => void (message.text().includes('Content Security Policy') && violations.push(message.text())));
    try {
      await page.goto(`${base}/client/order/domain?action=transfer`);
      expect(page.url()).toContain('/login');
      await page.fill('#email', DEMO.client.email);
      await page.fill('#password', DEMO.client.password);
      await Promise.all([page.waitForURL(/\/client\/order\/domain/), page.click('button[type=submit]')]);

      await page.fill('#domain', 'demo-locked.com');
      await page.fill('#eppCode', SANDBOX_DEMO_AUTH_CODE);
      await page.click('form[action*="order/domain"] button[type=submit]');
      await expect.poll(() => page.textContent('[role=alert]')).toContain('Unlock it at your current registrar');

      await page.fill('#domain', 'demo-transferable.com');
      await page.fill('#eppCode', SANDBOX_DEMO_AUTH_CODE);
      await Promise.all([page.waitForURL(/\/client\/invoices\/\d+$/), page.click('form[action*="order/domain"] button[type=submit]')]);
      expect(await page.textContent('main')).toContain('demo-transferable.com');

      await page.click('form[action$="/pay"] button[type=submit]');
      await page.waitForLoadState('load');
      await expect
        .poll(async () => {
          await page.goto(`${base}/client/domains/demo-transferable.com`);
          return page.textContent('main');
        }, { timeout: 15_000, interval: 300 })
        .toContain('The transfer has been requested');
      await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/domain-transfers-e2e.png` });
      expect(violations).toEqual([]);
    } finally {
      await page.close();
      server.close();
      await host.close();
    }
  }, 60_000);
});
