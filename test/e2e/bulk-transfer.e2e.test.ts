import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login, useChromium } from './browser.support.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { buildHost, type Host } from '../../host/build-host.ts';
import { DEMO, clientIdOf, seedDemo, testModuleConfig, TEST_ENV } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';

/** Screenshots of every step, one set per language: kept as the run's artifacts. */
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.resolve('test-artifacts/e2e');

const db = useMigratedDatabase();
const chrome = useChromium();

/** Every code in the file carries this mark, so one search of a page finds any of them. */
const MARK = 'sEcReT';
const QUOTED_CODE = `Qu,"ote-${MARK}-77`;
const IDN = 'münchen-bulk.com';
const QUOTED_DOMAIN = 'bulk-e2e-quoted.net';
const numbered = (i: number) => `bulk-e2e-${String(i).padStart(3, '0')}.com`;
/** The line of numbered(3), which a later row repeats (the header is line 1). */
const DUPLICATED_LINE = 4;

interface FileRow {
  /** As written in the file, quoting included. */
  text: string;
  domain: string;
  code?: string;
}

/**
 * 200 rows after a header: 195 for domains the sandbox registry holds (each with its own code,
 * one code with a comma and a quote, one name in Unicode) and five the preview must refuse.
 * The refused rows are spread over both pages of the preview.
 */
function transferFile(): { rows: FileRow[]; good: FileRow[]; refused: Record<'duplicate' | 'malformed' | 'short' | 'locked' | 'extra', number> } {
  const good: FileRow[] = [];
  for (let i = 1; i <= 193; i++) good.push({ domain: numbered(i), code: `Zk${i}-${MARK}`, text: `${numbered(i)},Zk${i}-${MARK}` });
  good.splice(8, 0, { domain: QUOTED_DOMAIN, code: QUOTED_CODE, text: `${QUOTED_DOMAIN},"${QUOTED_CODE.replace(/"/g, '""')}"` });
  good.splice(19, 0, { domain: IDN, code: `Idn-${MARK}-5`, text: `${IDN},Idn-${MARK}-5` });
  const rows = [...good];
  // Placed from the front, so each one's line is its index + 2 (after the header) when placed.
  const bad: Array<[keyof ReturnType<typeof transferFile>['refused'], number, FileRow]> = [
    ['duplicate', 48, { domain: numbered(3), text: `${numbered(3)},Dup-${MARK}-3` }],
    ['malformed', 88, { domain: 'not a domain', text: `not a domain,Name-${MARK}-1` }],
    ['short', 118, { domain: 'bulk-e2e-short.com', text: 'bulk-e2e-short.com,ab' }],
    ['locked', 148, { domain: 'demo-locked.com', text: `demo-locked.com,${SANDBOX_DEMO_AUTH_CODE}` }],
    ['extra', 197, { domain: 'bulk-e2e-extra.com', text: `bulk-e2e-extra.com,Extra-${MARK}-1,surplus` }],
  ];
  const refused = {} as ReturnType<typeof transferFile>['refused'];
  for (const [kind, index, row] of bad) {
    rows.splice(index, 0, row);
    refused[kind] = index + 2;
  }
  if (rows.findIndex((row) => row.domain === numbered(3)) + 2 !== DUPLICATED_LINE) throw new Error('the file is not laid out as the test expects');
  return { rows, good, refused };
}

interface Texts {
  lang: 'en' | 'zh-CN';
  progressDone: (n: number) => string;
  ready: string;
  accepted: (n: number) => string;
  refused: (n: number) => string;
  refusedLabel: string;
  reasons: (lines: ReturnType<typeof transferFile>['refused']) => Array<[number, string]>;
  confirmButton: (n: number) => string;
  ordersCreated: string;
  confirmed: string;
  orderLine: (client: string, n: number) => string;
  pending: string;
}

const LANGUAGES: Texts[] = [
  {
    lang: 'en',
    progressDone: (n) => `${n} of ${n} rows checked`,
    ready: 'Checked',
    accepted: (n) => `Accepted (${n})`,
    refused: (n) => `Refused (${n})`,
    refusedLabel: 'Refused',
    reasons: (lines) => [
      [lines.duplicate, `This domain is already on line ${DUPLICATED_LINE} of the file.`],
      [lines.malformed, '"not a domain" is not a domain name.'],
      [lines.short, 'EPP codes are between 4 and 128 characters.'],
      [lines.locked, 'Unlock it at your current registrar, then try again.'],
      [lines.extra, 'If the code contains a comma, put it in double quotes.'],
    ],
    confirmButton: (n) => `Create orders for ${n} accepted domains`,
    ordersCreated: 'Orders created',
    confirmed: 'Confirmed',
    orderLine: (client, n) => `Client ${client}: ${n} domains, $2,144.05`,
    pending: 'Pending',
  },
  {
    lang: 'zh-CN',
    progressDone: (n) => `已检查 ${n} / ${n} 行`,
    ready: '已检查',
    accepted: (n) => `可转入 (${n})`,
    refused: (n) => `被拒绝 (${n})`,
    refusedLabel: '被拒绝',
    reasons: (lines) => [
      [lines.duplicate, `该域名已在文件第 ${DUPLICATED_LINE} 行出现。`],
      [lines.malformed, '“not a domain”不是域名。'],
      [lines.short, 'EPP 转移密码长度应为 4 到 128 个字符。'],
      [lines.locked, '请先在当前注册商处解锁，然后重试。'],
      [lines.extra, '如果密码中含有逗号，请用英文双引号括起来。'],
    ],
    confirmButton: (n) => `为 ${n} 个可转入的域名创建订单`,
    ordersCreated: '已创建的订单',
    confirmed: '已确认',
    orderLine: (client, n) => `客户 ${client}：${n} 个域名，`,
    pending: '处理中',
  },
];

async function serve(): Promise<{ host: Host; server: Server; base: string }> {
  const config = testModuleConfig() as { registrars: Record<string, { options: Record<string, unknown> }> };
  // A registry that answers in 30 ms, checked two rows at a time: the check lasts a few
  // seconds, so the preview is seen following it in place before it reloads itself.
  config.registrars.sandbox!.options.latencyMs = 30;
  const host = buildHost({
    knex: db.knex,
    logger: pino({ level: 'silent' }),
    env: TEST_ENV,
    config: { ...config, bulk: { checkConcurrency: 2 }, jobs: { runInHost: true, pollIntervalMs: 100 } },
  });
  await seedDemo(db);
  await host.module.start();
  const server = host.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { host, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The page as it is now, full length, named after the step and the language. */
async function screenshot(page: Page, name: string, lang: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `bulk-${name}.${lang}.png`), fullPage: true });
}

const text = (page: Page) => page.textContent('main').then((t) => t ?? '');

/** Policy violations and script errors on these pages: the progress script must run unhindered. */
function watchProblems(...pages: Page[]): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    page.on('console', (message) => void (message.text().includes('Content Security Policy') && problems.push(message.text())));
    page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  }
  return problems;
}

/** The page's HTML holds no code of the file (the marked ones, the demo code, the quoted one escaped or not). */
async function expectNoCodes(page: Page, where: string): Promise<void> {
  const html = await page.content();
  for (const secret of [MARK, SANDBOX_DEMO_AUTH_CODE, 'Qu,&quot;ote', 'Qu,"ote']) expect(html, `${secret} on ${where}`).not.toContain(secret);
}

const PENDING_FIGURE = 'section[aria-labelledby="dashboard-domains"] a[href$="/domains?status=pending"] .figure';

describe('Admin → Bulk transfers in a real browser', () => {
  it.each(LANGUAGES)(
    '$lang: a 200-row file with good and bad rows is checked, confirmed, paid, and its domains go pending',
    async (texts) => {
      const { lang } = texts;
      const { host, server, base } = await serve();
      const { rows, good, refused } = transferFile();
      expect(rows).toHaveLength(200);
      const sandbox = host.module.registrars.get('sandbox') as SandboxAdapter;
      await sandbox.registry.addDomains(good.map((row) => ({ name: domainToASCII(row.domain), authCode: row.code })));
      const clientId = await clientIdOf(host, DEMO.client.email);
      const clientName = (await host.module.services.clientNames([clientId])).get(clientId)!;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-e2e-'));
      const file = path.join(dir, 'domains.csv');
      fs.writeFileSync(file, ['domain,auth_code', ...rows.map((row) => row.text)].join('\r\n') + '\r\n');

      const adminContext = await chrome.browser.newContext();
      const clientContext = await chrome.browser.newContext();
      const admin = await adminContext.newPage();
      const client = await clientContext.newPage();
      const problems = watchProblems(admin, client);
      try {
        await login(admin, base, DEMO.admin);
        await admin.goto(`${base}/admin/bulk-transfers`);
        if (lang !== 'en') await Promise.all([admin.waitForNavigation(), admin.click(`a[hreflang="${lang}"]`)]);
        expect(await admin.getAttribute('html', 'lang')).toBe(lang);

        // Upload: the client for every row, and the file from disk.
        await admin.fill('#bulk-client', clientId);
        await admin.setInputFiles('#bulk-file', file);
        await screenshot(admin, '01-upload', lang);
        await Promise.all([admin.waitForURL(/\/admin\/bulk-transfers\/[\w-]+$/), admin.click('form[enctype="multipart/form-data"] button[type=submit]')]);
        const previewUrl = admin.url();
        const followed: string[] = [];
        admin.on('request', (request) => void (request.resourceType() === 'fetch' && request.url() === previewUrl && followed.push(request.url())));

        // The check is under way: the page follows it in place, then reloads itself when it is
        // over (nothing here navigates). Without JavaScript it would refresh on its own.
        expect(await admin.getAttribute('#bulk-progress', 'data-running')).toBe('true');
        expect(await admin.locator('head noscript').innerHTML()).toContain('http-equiv="refresh"');
        await admin.evaluate('window.stillHere = true');
        await screenshot(admin, '02-checking', lang);
        await admin.waitForSelector('#bulk-progress[data-running="false"]', { state: 'attached', timeout: 30_000 });
        await admin.waitForLoadState('load');
        expect(admin.url()).toBe(previewUrl);
        expect(followed.length).toBeGreaterThan(0);
        expect(await admin.evaluate('window.stillHere')).toBeUndefined();
        expect(await admin.locator('head noscript').count()).toBe(0);
        const progress = (await admin.textContent('#bulk-progress')) ?? '';
        expect(progress).toContain(texts.ready);
        expect(progress).toContain(texts.progressDone(200));
        expect(progress).toContain(texts.accepted(195));
        expect(progress).toContain(texts.refused(5));
        expect(await admin.textContent('#bulk-progress button[type=submit]')).toBe(texts.confirmButton(195));
        // The Unicode name as people write it, the quoted code's row accepted like any other.
        const firstPage = await text(admin);
        expect(firstPage).toContain(IDN);
        expect(firstPage).not.toContain('xn--');
        expect(await admin.locator('tbody tr').count()).toBe(100);
        await expectNoCodes(admin, 'the preview');
        await screenshot(admin, '03-preview', lang);

        // The second page of rows, then only the refused ones, each with its reason.
        await Promise.all([admin.waitForNavigation(), admin.click('a[rel=next]')]);
        expect(await admin.locator('tbody tr').count()).toBe(100);
        await expectNoCodes(admin, 'the preview’s second page');
        await Promise.all([admin.waitForNavigation(), admin.click('#bulk-progress a[href="?outcome=refused"]')]);
        const refusedRows = admin.locator('tbody tr');
        expect(await refusedRows.count()).toBe(5);
        for (const [line, reason] of texts.reasons(refused)) {
          const row = admin.locator('tbody tr', { has: admin.locator(`td:first-child:text-is("${line}")`) });
          const shown = (await row.textContent()) ?? '';
          expect(shown, `line ${line}`).toContain(texts.refusedLabel);
          expect(shown, `line ${line}`).toContain(reason);
        }
        await expectNoCodes(admin, 'the refused rows');
        await screenshot(admin, '04-refused-rows', lang);

        // The dashboard before anything is paid: nothing pending.
        await admin.goto(`${base}/admin/dashboard`);
        expect(await admin.textContent(PENDING_FIGURE)).toBe('0');

        // Confirm: one order for the client, followed in place until it is made.
        await admin.goto(previewUrl);
        await Promise.all([admin.waitForURL(previewUrl), admin.click(`#bulk-progress button:text-is("${texts.confirmButton(195)}")`)]);
        await admin.waitForSelector('#bulk-progress[data-running="false"]', { state: 'attached', timeout: 30_000 });
        await admin.waitForLoadState('load');
        const confirmed = (await admin.textContent('#bulk-progress')) ?? '';
        expect(confirmed).toContain(texts.confirmed);
        expect(confirmed).toContain(texts.ordersCreated);
        expect(await admin.locator('#bulk-progress button[type=submit]').count()).toBe(0);
        const orderLines = await admin.locator('.bulk-orders li').allTextContents();
        expect(orderLines).toHaveLength(1);
        expect(orderLines[0]).toContain(texts.orderLine(clientName, 195));
        expect(orderLines[0]).toContain('2,144.05');
        const invoiceId = /#(\d+)/.exec(orderLines[0]!)?.[1];
        expect(invoiceId).toBeDefined();
        await expectNoCodes(admin, 'the confirmed preview');
        await screenshot(admin, '05-orders-created', lang);

        // The client pays the invoice on its page.
        await login(client, base, DEMO.client);
        await client.goto(`${base}/client/invoices/${invoiceId}?lang=${lang}`);
        expect(await client.getAttribute('html', 'lang')).toBe(lang);
        const invoice = await text(client);
        expect(invoice).toContain(IDN);
        expect(invoice).toContain(QUOTED_DOMAIN);
        expect(invoice).toContain('2,144.05');
        expect(await client.locator('tbody tr').count()).toBe(195);
        await screenshot(client, '06-invoice', lang);
        await Promise.all([client.waitForURL(`${base}/client/invoices/${invoiceId}`), client.click('form[action$="/pay"]:not(:has(input[name=gateway])) button[type=submit]')]);
        expect(await client.locator('h1 .status.paid').count()).toBe(1);
        await screenshot(client, '07-invoice-paid', lang);

        // The host's worker requests each transfer; the dashboard counts them pending.
        await expect
          .poll(
            async () => {
              await admin.goto(`${base}/admin/dashboard`);
              return admin.textContent(PENDING_FIGURE);
            },
            { timeout: 60_000, interval: 500 },
          )
          .toBe('195');
        await screenshot(admin, '08-dashboard', lang);

        // The domains list, filtered to pending with the form, holds every accepted domain.
        await admin.goto(`${base}/admin/domains`);
        await admin.selectOption('form.filters[method=get] select[name=status]', 'pending');
        await admin.selectOption('form.filters[method=get] select[name=limit]', '200');
        await Promise.all([admin.waitForURL(/[?&]status=pending/), admin.click('form.filters[method=get] button[type=submit]')]);
        expect(await text(admin)).toContain(`${texts.pending} (195)`);
        const listed = (await admin.locator('main tbody tr td:first-child a').allTextContents()).map((name) => name.trim());
        expect(listed.sort()).toEqual(good.map((row) => row.domain).sort());
        expect(await admin.locator('main tbody .status.pending').allTextContents()).toEqual(Array(195).fill(texts.pending));
        await screenshot(admin, '09-domains-pending', lang);

        // The quoted code reached the registry whole: that transfer is pending there too.
        expect((await sandbox.registry.getDomain(QUOTED_DOMAIN))?.pendingTransfer).not.toBeNull();
        expect(problems).toEqual([]);
      } finally {
        await adminContext.close();
        await clientContext.close();
        server.close();
        await host.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
