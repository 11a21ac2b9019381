import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../module/index.ts';
import { useMigratedDatabase } from '../support/test-database.ts';
import { embedModule } from '../support/embedded-platform.ts';

const db = useMigratedDatabase();
const catalogs = fs.mkdtempSync(path.join(os.tmpdir(), 'dt-locales-'));
fs.mkdirSync(path.join(catalogs, 'de'));
fs.writeFileSync(path.join(catalogs, 'de', 'common.json'), JSON.stringify({ language_name: 'Deutsch', nav: { client_domains: 'Meine Domains' } }));
fs.writeFileSync(path.join(catalogs, 'de', 'transfer.json'), JSON.stringify({ order: { title: 'Domain zu uns übertragen' } }));
fs.writeFileSync(path.join(catalogs, 'de', 'api.json'), JSON.stringify({ errors: { key_invalid: 'Dieser API-Schlüssel ist unbekannt oder widerrufen.' } }));
afterAll(() => fs.rmSync(catalogs, { recursive: true, force: true }));

const client = (clientId: string) => ({ kind: 'client', clientId, sessionId: 'session-locale-0001' });

describe('languages come from the catalogs present', () => {
  it('serves a de catalog a host adds, falling back to English key by key, and offers it in the switcher', async () => {
    const platform = await embedModule(db, { moduleOptions: { ui: { localeDirectories: [catalogs] } } });
    expect(platform.module.locales).toEqual(['en', 'de', 'zh-CN']);

    const page = await request(platform.app).get('/client/order/domain?action=transfer').set(platform.as(client(platform.clientId))).set('accept-language', 'de-AT,de;q=0.9,en;q=0.5');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="de">');
    expect(page.text).toContain('Domain zu uns übertragen');
    expect(page.text).toContain('Meine Domains');
    // Not translated in the de catalog: English, not a raw key.
    expect(page.text).toContain('Transfer a domain');
    expect(page.text).not.toContain('nav.client_transfer');
    expect(page.text).toContain('<strong lang="de">Deutsch</strong>');
    expect(page.text).toContain('hreflang="zh-CN">中文</a>');

    const chosen = await request(platform.app).get('/client/domains?lang=de').set(platform.as(client(platform.clientId)));
    expect(chosen.headers['set-cookie']?.[0]).toMatch(/^lang=de;/);
  });

  it('answers the JSON API in a language the host adds, by Accept-Language, falling back to English key by key', async () => {
    const platform = await embedModule(db, { moduleOptions: { ui: { localeDirectories: [catalogs] } } });
    const refused = await request(platform.app).get('/api/v1/domains').set('Authorization', 'Bearer dtk_unknown_key').set('Accept-Language', 'de-CH,de;q=0.9');
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:domain-transfers:problem:api:errors.key_invalid', detail: 'Dieser API-Schlüssel ist unbekannt oder widerrufen.' });
    // The title is not in the de catalog: English, not a raw key.
    expect(refused.body.title).toBe('Please log in');
    const { token } = await platform.module.services.apiKeys.create({ name: 'de', scopes: ['domains:read'], actor: 'test' });
    const missing = await request(platform.app).get('/api/v1/domains/nowhere-to-be-found.com').set('Authorization', `Bearer ${token}`).set('Accept-Language', 'de');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).not.toMatch(/^[a-z_]+:/);
  });

  it('takes defaultLocale "de" when its catalog is there, and names the key when it is not', async () => {
    const platform = await embedModule(db, { config: { defaultLocale: 'de' }, moduleOptions: { ui: { localeDirectories: [catalogs] } } });
    const page = await request(platform.app).get('/client/order/domain?action=transfer').set(platform.as(client(platform.clientId)));
    expect(page.text).toContain('<html lang="de">');

    const error = await embedModule(db, { config: { defaultLocale: 'fr' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('defaultLocale');
    expect((error as Error).message).toBe('config key "defaultLocale": "fr" has no message catalogs (languages here: en, zh-CN; add one with ui.localeDirectories)');
  });
});
