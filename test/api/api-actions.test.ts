import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { createCaptureLogger } from '../support/capture-logger.ts';
import { DEMO, clientIdOf } from '../../host/test/host.test-support.ts';
import { SandboxAdapter } from '../../registrar-adapters/sandbox/index.ts';
import { createTransferWorld, databaseText, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { expectDocumented } from './openapi.support.ts';

const db = useMigratedDatabase();

/** Every answer is also checked against the OpenAPI document: its status listed, its body valid. */
function client(world: TransferWorld, token: string) {
  const auth = (r: request.Test, method: string, path: string) => r.set('Authorization', `Bearer ${token}`).expect((res) => expectDocumented(method, `/api/v1${path}`, res));
  return {
    get: (path: string) => auth(request(world.host.app).get(`/api/v1${path}`), 'GET', path),
    post: (path: string, body: object = {}, key?: string) => {
      const r = auth(request(world.host.app).post(`/api/v1${path}`), 'POST', path);
      if (key) r.set('Idempotency-Key', key);
      return r.send(body);
    },
  };
}

const ODD_CODE = `Q<>&"'+$%\\ 码`;

describe('JSON API v1: a transfer in and out through the API only', () => {
  it('orders, is paid, goes pending, syncs active; then unlocks, hands out an EPP code once, and sees the domain leave', async () => {
    const capture = createCaptureLogger();
    const world = await createTransferWorld(db, { logger: capture.logger });
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const { token } = await world.host.module.services.apiKeys.create({ name: 'platform', scopes: ['transfers:write', 'domains:read', 'domains:write', 'epp:read', 'sync:run'], actor: 'admin:1' });
    const api = client(world, token);
    const registry = (world.host.module.registrars.get('sandbox') as SandboxAdapter).registry;
    await registry.addDomains([{ name: 'via-api.com', authCode: ODD_CODE }]);

    const ordered = await api.post('/transfers', { clientId, domain: 'via-api.com', authCode: ODD_CODE }, 'order-1');
    expect(ordered.status).toBe(201);
    await payInvoice(world, ordered.body.invoiceUrl);
    await runJobs(world);
    expect((await api.get('/domains/via-api.com')).body).toMatchObject({ status: 'pending', order: { status: 'submitted' } });

    await registry.approvePendingTransfer('via-api.com');
    const sync = await api.post('/sync', { domain: 'via-api.com' });
    expect(sync.status).toBe(202);
    expect(sync.body.runId).toEqual(expect.any(Number));
    await expect.poll(async () => (await api.get('/domains/via-api.com')).body.status, { timeout: 5000 }).toBe('active');

    // Transfer-out rules: 60 days after a transfer before the domain may leave again.
    expect((await api.post('/domains/via-api.com/epp-code', {}, 'code-0')).status).toBe(409);
    world.clock.advance(61 * 24 * 60 * 60 * 1000);
    expect((await api.post('/domains/via-api.com/unlock')).body).toEqual({ lock: 'unlocked' });
    const code = await api.post('/domains/via-api.com/epp-code', {}, 'code-1');
    expect(code.status).toBe(200);
    expect(code.headers['cache-control']).toContain('no-store');
    expect(code.body.delivery).toBe('code');
    const again = await api.post('/domains/via-api.com/epp-code', {}, 'code-1');
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:domain-transfers:problem:api:errors.code_already_issued');
    expect(again.text).not.toContain(code.body.authCode);
    expect(await databaseText(db)).not.toContain(code.body.authCode);
    expect(capture.text()).not.toContain(code.body.authCode);
    expect(capture.text()).not.toContain(token);

    // The gaining registrar uses the code; the registry moves the domain; the next sync sees it gone.
    await registry.requestTransferOut('via-api.com', 'other-registrar', { authCode: code.body.authCode });
    await (world.host.module.registrars.get('sandbox') as SandboxAdapter).approveTransferOut('via-api.com');
    expect((await api.post('/sync', { domain: 'via-api.com' })).status).toBe(202);
    await expect.poll(async () => (await api.get('/domains/via-api.com')).body.status, { timeout: 5000 }).toBe('transferred_away');

    // The events feed tells the same story, in order, once each event has settled.
    expect((await api.get('/events')).body.data).toEqual(expect.any(Array));
    world.clock.advance(10_000);
    const names: string[] = [];
    let cursor = '0';
    for (;;) {
      const page = await api.get(`/events?after=${cursor}&limit=2`);
      expect(page.status).toBe(200);
      if (!page.body.data.length) break;
      names.push(...page.body.data.filter((e: { domain: string }) => e.domain === 'via-api.com').map((e: { name: string }) => e.name));
      cursor = page.body.next;
    }
    expect(names).toEqual(['domain.transfer.requested', 'domain.transfer.completed', 'domain.transferred_away']);
    expect((await api.get('/events?after=-1')).status).toBe(422);
    await world.host.close();
  });

  it('imports a bulk transfer from CSV text, shows each row’s result, and confirms it once', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const { token } = await world.host.module.services.apiKeys.create({ name: 'bulk', scopes: ['bulk:write'], actor: 'admin:1' });
    const api = client(world, token);
    const started = await api.post('/bulk-imports', { csv: 'domain,auth_code\ndemo-transferable.com,"ab,cd-1234"\ndemo-locked.com,code1234\nnot a name,x\n', clientId });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'checking', totalRows: 3 });
    await runJobs(world);
    const checked = await api.get(`/bulk-imports/${started.body.importId}`);
    expect(checked.body).toMatchObject({ status: 'ready', checkedRows: 3, counts: { accepted: 1, refused: 2, unchecked: 0 } });
    expect(checked.body.rows.map((r: { domain: string; outcome: string }) => [r.domain, r.outcome])).toEqual([
      ['demo-transferable.com', 'accepted'],
      ['demo-locked.com', 'refused'],
      ['not a name', 'refused'],
    ]);
    expect(checked.text).not.toContain('ab,cd-1234');
    for (let i = 0; i < 2; i++) expect((await api.post(`/bulk-imports/${started.body.importId}/confirm`, {}, 'confirm-1')).status).toBe(202);
    await runJobs(world);
    expect((await api.get(`/bulk-imports/${started.body.importId}`)).body.status).toBe('confirmed');
    expect(await db.knex('host_orders').count({ n: '*' }).first()).toMatchObject({ n: 1 });
    expect((await api.post('/bulk-imports', { csv: '' })).status).toBe(422);
    expect((await api.get('/bulk-imports/nope')).status).toBe(404);
    await world.host.close();
  });

  it('takes a corrected code, lets staff retry and cancel, and keeps client-bound keys to their own', async () => {
    const world = await createTransferWorld(db);
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    const { token } = await world.host.module.services.apiKeys.create({ name: 'staff', scopes: ['transfers:write', 'domains:read'], actor: 'admin:1' });
    const { token: bound } = await world.host.module.services.apiKeys.create({ name: 'client', scopes: ['transfers:write', 'domains:read'], clientId, actor: 'admin:1' });
    const staff = client(world, token);
    const mine = client(world, bound);
    const ordered = await mine.post('/transfers', { domain: 'demo-wrong-code.com', authCode: 'Wrong-Code-4711' });
    expect(ordered.status).toBe(201);
    await payInvoice(world, ordered.body.invoiceUrl);
    await runJobs(world);
    expect((await mine.get('/domains/demo-wrong-code.com')).body.order.status).toBe('failed');

    expect((await mine.post('/domains/demo-wrong-code.com/transfer/retry')).status).toBe(403);
    const retried = await staff.post('/domains/demo-wrong-code.com/transfer/retry');
    expect(retried.status).toBe(202);
    await runJobs(world);
    const corrected = await mine.post('/domains/demo-wrong-code.com/transfer/code', { authCode: 'still-wrong-1' });
    expect(corrected.status).toBe(202);
    await runJobs(world);
    const cancelled = await mine.post('/domains/demo-wrong-code.com/transfer/cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', settlement: { cause: 'cancelled_by_client' } });
    const job = await db.knex('dt_jobs').where({ type: 'TransferDomainJob' }).first('id');
    expect((await mine.get(`/jobs/${job.id}`)).status).toBe(404);
    expect((await staff.get(`/jobs/${job.id}`)).body).toMatchObject({ id: job.id, type: 'TransferDomainJob', status: expect.any(String) });
    expect((await mine.post('/sync')).status).toBe(403);
    await world.host.close();
  });
});

