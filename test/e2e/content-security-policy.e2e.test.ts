import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login, useChromium } from './browser.support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import type { Host } from '../../host/build-host.ts';
import { DEMO } from '../../host/test/host.test-support.ts';
import { createOutWorld, OURS } from '../transfer-out/transfer-out.support.ts';
import { createSyncWorld, syncModuleConfig } from '../sync/sync.test-support.ts';

// Code run in the page is given as text: this project compiles without the DOM's types.


const db = useMigratedDatabase();
const chrome = useChromium();


async function listen(host: Host): Promise<{ server: Server; base: string }> {
  const server = host.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What the browser reports about the page's policy (it logs every blocked script, style or attribute), and script errors. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  return problems;
}

describe('pages under the Content-Security-Policy in a real browser', () => {
  it('a client copies the EPP code with the button and is asked before cancelling a transfer-out; the stylesheet applies; nothing is blocked', async () => {
    const world = await createOutWorld(db, { adopt: [OURS] });
    const { server, base } = await listen(world.host);
    const context = await chrome.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const problems = watchProblems(page);
    try {
      await login(page, base, DEMO.client);
      // The served stylesheet is allowed and applied (--bg on the body).
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(246, 247, 251)');

      await page.goto(`${base}/client/domains/${OURS}`);
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/epp-code"] button[type=submit]')]);
      const code = (await page.textContent('#epp-code-value'))!.trim();
      expect(code).toMatch(/\S{16,}/);
      const copy = page.locator('button[data-copy="epp-code-value"]');
      expect(await copy.isVisible()).toBe(true);
      await copy.click();
      await expect.poll(() => copy.textContent()).toBe('Copied');
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(code);

      await world.registry.requestTransferOut(OURS, 'other-registrar');
      await page.goto(`${base}/client/domains/${OURS}`);
      const cancel = 'form[action$="/transfer-out/cancel"] button[type=submit]';
      const questions: string[] = [];
      page.once('dialog', (dialog) => {
        questions.push(dialog.message());
        void dialog.dismiss();
      });
      await page.click(cancel);
      expect(questions).toEqual(['Cancel the transfer-out of demo-ours.com to other-registrar? If you asked for it, the new registrar has to start again.']);
      expect(page.url()).toBe(`${base}/client/domains/${OURS}`);
      expect((await world.registry.getDomain(OURS))!.pendingTransfer).not.toBeNull();

      page.once('dialog', (dialog) => void dialog.accept());
      // Confirmed in place: straight to the result, not to the server's own confirmation page.
      await Promise.all([page.waitForURL(/notice=transfer_out_cancel/), page.click(cancel)]);
      expect((await world.registry.getDomain(OURS))!.pendingTransfer).toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      server.close();
      await world.host.close();
    }
  }, 60_000);

  it('an admin follows a sync run in place, and the page reloads once it is over; nothing is blocked', async () => {
    const config = syncModuleConfig({ sync: { concurrencyPerRegistrar: 1 } });
    // About five seconds for 60 domains: long enough for the page to follow the run a few times.
    (config.registrars as Record<string, { options: Record<string, unknown> }>).sandbox!.options.latencyMs = 80;
    const world = await createSyncWorld(db, { config });
    for (let i = 0; i < 60; i++) await world.addActive(`follow-${String(i).padStart(2, '0')}.com`);
    const { server, base } = await listen(world.host);
    const page = await chrome.browser.newPage();
    const problems = watchProblems(page);
    try {
      await login(page, base, DEMO.admin);
      await page.goto(`${base}/admin/sync`);
      await Promise.all([page.waitForURL(/notice=started/), page.click('form[action$="/sync/run"] button[type=submit]')]);
      const first = await page.textContent('#sync-progress');
      // The total may not be counted yet.
      expect(first).toMatch(/Checked \d+ of \d+/);
      await page.evaluate('window.stillHere = true');

      // Updated in place: the same document, a later count.
      await expect
        .poll(async () => ((await page.evaluate('window.stillHere')) ? page.textContent('#sync-progress') : 'reloaded'), { timeout: 10_000, interval: 200 })
        .toMatch(/Checked [1-9]\d* of 60/);
      expect(await page.textContent('#sync-progress')).not.toBe(first);

      // Then one reload to the finished run.
      await page.waitForURL(`${base}/admin/sync`, { timeout: 20_000 });
      await page.waitForLoadState('load');
      expect(await page.locator('#sync-progress').count()).toBe(0);
      expect(await page.textContent('main')).toContain('Last finished run');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      server.close();
      await world.host.close();
    }
  }, 60_000);

  it('is enforced: a script put into the page is refused, and the browser says so', async () => {
    const world = await createOutWorld(db, { adopt: [] });
    const { server, base } = await listen(world.host);
    const page = await chrome.browser.newPage();
    const problems = watchProblems(page);
    try {
      await page.goto(`${base}/login`);
      await page.evaluate(`{
        const injected = document.createElement('script');
        injected.textContent = 'window.injectedRan = true';
        document.head.appendChild(injected);
      }`);
      expect(await page.evaluate('window.injectedRan')).toBeUndefined();
      // Chromium's wording varies between versions; the directive it names does not.
      await expect.poll(() => problems.join('\n')).toMatch(/inline script violates the following Content Security Policy directive:? ["']script-src 'self'/i);
    } finally {
      await page.close();
      server.close();
      await world.host.close();
    }
  }, 60_000);
});
