import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { buildHost } from '../../host/build-host.ts';
import { clientIdOf, csrfOf, DEMO, loginAs, testModuleConfig, TEST_ENV } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE, SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, databaseText, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { expectDocumented } from './openapi.support.ts';
import { manifest } from '../../module/index.ts';
import { API_SCOPES } from '../../module/api/api-keys.ts';

const db = useMigratedDatabase();
const ODD_CODE = `<a>&"'+$%\\ 码-Ü`;

async function keyFor(world: TransferWorld, scopes: string[], clientId?: string): Promise<string> {
  return (await world.host.module.services.apiKeys.create({ name: 'test', scopes, clientId, actor: 'admin:1' })).token;
}

/** Every answer is also checked against the OpenAPI document: its status listed, its body valid. */
const api = (world: TransferWorld, token?: string) => {
  const agent = request(world.host.app);
  const auth = (r: request.Test, method: string, path: string) => (token ? r.set('Authorization', `Bearer ${token}`) : r).expect((res) => expectDocumented(method, `/api/v1${path}`, res));
  return {
    get: (path: string) => auth(agent.get(`/api/v1${path}`), 'GET', path),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) => auth(agent.post(`/api/v1${path}`), 'POST', path).set(headers).send(body as object),
  };
};

describe('JSON API v1: keys, problems and transfers', () => {
  it('makes a key in the console, shows it once and keeps only its hash; a revoked key gets 401 at once', async () => {
    const world = await createTransferWorld(db);
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/api-keys');
    const made = await admin.post('/admin/api-keys').type('form').send({ _csrf: csrf, name: 'Reseller sync', scopes: ['domains:read'] });
    expect(made.status).toBe(201);
    expect(made.headers['cache-control']).toContain('no-store');
    const token = /id="api-key-token">([^<]+)</.exec(made.text)![1]!;
    expect(token).toMatch(/^dtk_[a-z0-9]{8}_[\w-]{43}$/);
    const listed = await admin.get('/admin/api-keys');
    expect(listed.text).toContain(token.slice(0, 12));
    expect(listed.text).not.toContain(token);
    expect(await databaseText(db)).not.toContain(token.slice(13));

    expect((await api(world, token).get('/domains')).status).toBe(200);
    const key = await db.knex('dt_api_keys').first('id', 'last_used_at');
    expect(key.last_used_at).not.toBeNull();
    await admin.post(`/admin/api-keys/${key.id}/revoke`).type('form').send({ _csrf: csrf });
    const revoked = await api(world, token).get('/domains');
    expect(revoked.status).toBe(401);
    expect(revoked.headers['content-type']).toContain('application/problem+json');
    expect(revoked.headers['www-authenticate']).toContain('Bearer');
    expect(revoked.body).toMatchObject({ type: 'urn:domain-transfers:problem:api:errors.key_invalid', status: 401 });
    await world.host.close();
  });

  it('answers 401 without a key or with a wrong one, 403 naming a missing scope, never with a cookie', async () => {
    const world = await createTransferWorld(db);
    const reader = await keyFor(world, ['domains:read']);
    for (const token of [undefined, 'nonsense', `${reader.slice(0, -1)}x`]) {
      const answer = await api(world, token).get('/domains');
      expect(answer.status, String(token)).toBe(401);
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
    const refused = await api(world, reader).post('/transfers', { domain: 'demo-transferable.com', authCode: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('transfers:write');
    expect(await countRows(db, 'dt_transfer_orders')).toBe(0);
    const zh = await api(world, reader).post('/transfers', {}).set('Accept-Language', 'zh-CN');
    expect(zh.body.detail).toContain('没有 transfers:write 权限范围');
    await world.host.close();
  });

  it('refuses every operation (403, naming the scope) to a key with every scope but the one it needs', async () => {
    const world = await createTransferWorld(db);
    const routes = (manifest.routes as Record<string, Array<{ method: string; path: string; scope?: string }>>).api!.filter((r) => r.scope);
    expect(routes.length).toBeGreaterThan(10);
    for (const route of routes) {
      const token = await keyFor(world, API_SCOPES.filter((scope) => scope !== route.scope));
      const path = route.path.replace(':domain', 'demo-transferable.com').replace(':id', '1');
      const answer = route.method === 'GET' ? await api(world, token).get(path) : await api(world, token).post(path, {});
      expect(answer.status, `${route.method} ${route.path}`).toBe(403);
      expect(answer.body.detail, route.path).toContain(route.scope);
    }
    expect(await countRows(db, 'dt_transfer_orders')).toBe(0);
    await world.host.close();
  });

  it('orders a transfer with any printable code, shows it without the code, and refuses an ineligible one with every reason', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const token = await keyFor(world, ['transfers:write', 'domains:read']);
    const lines: string[] = [];
    const created = await api(world, token).post('/transfers', { clientId, domain: 'Demo-Transferable.COM', authCode: ODD_CODE });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/api/v1/domains/demo-transferable.com');
    expect(created.body).toMatchObject({ domain: 'demo-transferable.com', clientId, order: { status: 'awaiting_payment', currency: 'USD' } });
    const shown = await api(world, token).get('/domains/demo-transferable.com');
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ domain: 'demo-transferable.com', order: { status: 'awaiting_payment' } });
    expect(JSON.stringify(shown.body)).not.toContain('码');

    const refused = await api(world, token).post('/transfers', { clientId, domain: 'demo-locked.com', authCode: 'code1234' }).set('Accept-Language', 'zh-CN,zh;q=0.9');
    expect(refused.status).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.type).toMatch(/^urn:domain-transfers:problem:rules:/);
    expect(refused.body.reasons.length).toBeGreaterThan(0);
    expect(refused.body.reasons[0]).toMatchObject({ rule: expect.any(String), detail: expect.stringMatching(/[\u4e00-\u9fff]/) });
    const noCode = await api(world, token).post('/transfers', { clientId, domain: 'demo-new.com' });
    expect(noCode.status).toBe(422);
    expect(noCode.body.field).toBe('authCode');
    const unknownClient = await api(world, token).post('/transfers', { clientId: '999999', domain: 'demo-new.com', authCode: 'code1234' });
    expect(unknownClient.status).toBe(422);
    expect(unknownClient.body.field).toBe('clientId');
    expect(lines.join('')).not.toContain(ODD_CODE);
    expect(await databaseText(db)).not.toContain(ODD_CODE);
    await world.host.close();
  });

  it('makes one order from 20 concurrent POSTs with one Idempotency-Key, and refuses the key with another body', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const token = await keyFor(world, ['transfers:write']);
    const body = { clientId, domain: 'demo-transferable.com', authCode: SANDBOX_DEMO_AUTH_CODE };
    const answers = await Promise.all(Array.from({ length: 20 }, () => api(world, token).post('/transfers', body, { 'Idempotency-Key': 'order-42' })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
    expect(await countRows(db, 'dt_transfer_orders')).toBe(1);
    expect(await countRows(db, 'host_orders')).toBe(1);
    const other = await api(world, token).post('/transfers', { ...body, domain: 'demo-new.com' }, { 'Idempotency-Key': 'order-42' });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('urn:domain-transfers:problem:api:errors.idempotency_key_reused');
    await world.host.close();
  });

  it('shows a client-bound key its client’s domains only', async () => {
    const world = await createTransferWorld(db);
    const mine = await clientIdOf(world.host, DEMO.client.email);
    const theirs = await clientIdOf(world.host, DEMO.otherClient.email);
    const admin = await keyFor(world, ['transfers:write', 'domains:read']);
    await (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry.addDomains([{ name: 'theirs-api.com' }]);
    expect((await api(world, admin).post('/transfers', { clientId: theirs, domain: 'theirs-api.com', authCode: 'code1234' })).status).toBe(201);
    expect((await api(world, admin).post('/transfers', { clientId: mine, domain: 'demo-transferable.com', authCode: 'code1234' })).status).toBe(201);
    const bound = await keyFor(world, ['transfers:write', 'domains:read'], mine);
    expect((await api(world, bound).get('/domains/theirs-api.com')).status).toBe(404);
    expect((await api(world, bound).get('/domains/demo-transferable.com')).status).toBe(200);
    expect((await api(world, bound).post('/transfers', { clientId: theirs, domain: 'demo-new.com', authCode: 'code1234' })).status).toBe(404);
    await world.host.close();
  });

  it('limits each key’s requests per minute across two app instances, with Retry-After', async () => {
    const world = await createTransferWorld(db, { config: { api: { requestsPerMinute: 3 } } });
    const second = buildHost({ knex: db.knex, clock: world.clock, logger: pino({ level: 'silent' }), env: TEST_ENV, config: { ...testModuleConfig(), api: { requestsPerMinute: 3 } } });
    const token = await keyFor(world, ['domains:read']);
    const on = (app: typeof world.host.app) => request(app).get('/api/v1/domains').set('Authorization', `Bearer ${token}`);
    expect((await on(world.host.app)).status).toBe(200);
    expect((await on(second.app)).status).toBe(200);
    expect((await on(world.host.app)).status).toBe(200);
    const limited = await on(second.app);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-policy']).toBe('3;w=60');
    world.clock.advance(61_000);
    expect((await on(second.app)).status).toBe(200);
    await second.close();
    await world.host.close();
  });
});
