import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { countRows, createTransferWorld, orderTransfer } from './transfer-in.support.ts';

const db = useMigratedDatabase();

async function expectNothingWritten() {
  expect(await countRows(db, 'dt_transfer_orders')).toBe(0);
  expect(await countRows(db, 'host_orders')).toBe(0);
  expect(await countRows(db, 'host_invoices')).toBe(0);
  expect(await countRows(db, 'dt_jobs')).toBe(0);
}

describe('transfers refused before any invoice, each with its own message', () => {
  it.each([
    ['demo-locked.com', 422, 'Unlock it at your current registrar'],
    ['demo-new.com', 422, 'was registered less than 60 days ago'],
    ['demo-recent-transfer.com', 422, 'was transferred less than 60 days ago'],
    ['demo-expiring.com', 422, 'Renew it at your current registrar first'],
    ['demo-registry-lock.net', 422, 'The registry has locked this domain against transfers'],
    ['demo-pending.org', 422, 'A transfer of this domain is already pending at the registry'],
    ['never-registered-here.com', 422, 'is not registered, so there is nothing to transfer'],
    ['demo-ours.com', 409, 'is already with us'],
    ['example.io', 422, 'We do not offer transfers for .io domains'],
  ])('%s → %i "%s"', async (domain, status, message) => {
    const world = await createTransferWorld(db);
    const response = await orderTransfer(world, domain, SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(status);
    expect(response.text).toContain(message);
    expect(response.text).not.toContain(SANDBOX_DEMO_AUTH_CODE);
    await expectNothingWritten();
    await world.host.close();
  });

  it('speaks the client’s language', async () => {
    const world = await createTransferWorld(db);
    const response = await orderTransfer(world, 'demo-locked.com', SANDBOX_DEMO_AUTH_CODE).set('Cookie', 'lang=zh-CN');
    expect(response.status).toBe(422);
    expect(response.text).toContain('请先在当前注册商处解锁');
    await world.host.close();
  });

  it('refuses a second order while one is open for the same domain', async () => {
    const world = await createTransferWorld(db);
    expect((await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE)).status).toBe(303);
    const second = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(second.status).toBe(409);
    expect(second.text).toContain('A transfer of demo-transferable.com is already open');
    expect(await countRows(db, 'dt_transfer_orders')).toBe(1);
    expect(await countRows(db, 'host_invoices')).toBe(1);
    await world.host.close();
  });

  it('answers 424 with a retry hint, not a 500, when the registry cannot be reached', async () => {
    const world = await createTransferWorld(db, { config: { registrars: { sandbox: { adapter: 'sandbox', options: { transientErrorRate: 1 } } } } });
    const response = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    expect(response.status).toBe(424);
    expect(response.text).toContain('We could not reach the registry');
    await expectNothingWritten();
    await world.host.close();
  });
});

describe('malformed input gets a 4xx with a message, and no rows', () => {
  it.each([
    [{ domain: 'www.demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE }, 'enter demo-transferable.com instead'],
    [{ domain: 'demo..com', eppCode: SANDBOX_DEMO_AUTH_CODE }, 'has an empty part between dots'],
    [{ domain: 'http://demo-transferable.com/', eppCode: SANDBOX_DEMO_AUTH_CODE }, 'is not a domain name'],
    [{ domain: '', eppCode: SANDBOX_DEMO_AUTH_CODE }, 'Enter the domain name you want to transfer'],
    [{ domain: 'demo-transferable.com', eppCode: '' }, 'Enter the EPP (auth) code'],
    [{ domain: 'demo-transferable.com', eppCode: ` ${SANDBOX_DEMO_AUTH_CODE} ` }, 'starts or ends with a space'],
    [{ domain: 'demo-transferable.com', eppCode: 'ab' }, 'EPP codes are between 4 and 128 characters'],
    [{ domain: 'demo-transferable.com' }, 'Enter the EPP (auth) code'],
    [{ domain: 'demo-transferable.com', eppCode: 'Abcd1234!', extra: 'x' }, 'The request could not be read'],
  ])('%j → "%s"', async (form, message) => {
    const world = await createTransferWorld(db);
    const response = await world.client.post('/client/order/domain?action=transfer').type('form').send({ _csrf: world.csrf, ...form });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.text).toContain(message);
    await expectNothingWritten();
    await world.host.close();
  });

  it('refuses a form without the CSRF token with 403', async () => {
    const world = await createTransferWorld(db);
    const response = await world.client.post('/client/order/domain?action=transfer').type('form').send({ domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(response.status).toBe(403);
    await expectNothingWritten();
    await world.host.close();
  });
});
