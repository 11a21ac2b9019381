import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { AlibabaMockApi, MOCK_ACCESS_KEY } from '../support/alibaba-cloud/alibaba-mock.server.ts';
import { clientIdOf, csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createAlibabaTransferWorld, databaseText, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

/**
 * A host whose .cn and .hk domains sit in an Alibaba Cloud account: transfer-in through the
 * Domain API (a local stand-in checking every signature), from order to active, with the
 * registrant's confirmation email and a code the registrar refused after accepting the order;
 * and the .hk transfer-out, which Alibaba Cloud does only by signed application.
 */
const db = useMigratedDatabase();
let api: AlibabaMockApi;

beforeEach(async () => {
  api = await AlibabaMockApi.start();
});
afterEach(async () => {
  await api.close();
});

const alibabaWorld = () => createAlibabaTransferWorld(db, api);

const sync = async (world: TransferWorld) => (await world.host.module.services.sync.runNow({ trigger: 'cli' })).done;

describe('transfer-in to an Alibaba Cloud account', () => {
  it('goes from order to active: the registrant confirms by email, a refused code is corrected on the same transfer, nothing is charged twice', async () => {
    const world = await alibabaWorld();
    api.state.addForeign('shop.cn', { code: 'First-Code-1' });
    const ordered = await orderTransfer(world, 'shop.cn', 'First-Code-1');
    expect(ordered.status).toBe(303);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted', registrar_id: 'alibaba' });

    // The registry mailed the registrant: the client is told to confirm, and may have it sent again.
    await sync(world);
    expect(await db.knex('dt_domains').where({ domain: 'shop.cn' }).first()).toMatchObject({ status: 'pending', awaiting: 'registrant_email' });
    let page = await world.client.get('/client/domains/shop.cn');
    expect(page.text).toContain('Confirm the transfer email');
    const admin = await loginAs(world.host, DEMO.admin);
    expect((await admin.get('/admin/domains/shop.cn')).text).toContain('waiting for the registrant to confirm');
    const resent = await world.client.post('/client/domains/shop.cn/transfer/resend-email').type('form').send({ _csrf: world.csrf });
    expect(resent.status).toBe(303);
    expect((await world.client.get(resent.headers.location!)).text).toContain('asked to send the confirmation email again');
    expect(api.state.latestTransferIn('shop.cn')!.mailsSent).toBe(2);
    // Once every five minutes: each is a call to the registrar and a message in the registrant's inbox.
    const soon = await world.client.post('/client/domains/shop.cn/transfer/resend-email').type('form').send({ _csrf: world.csrf });
    expect(soon.status).toBe(429);
    expect(soon.text).toContain('you can ask again in 5 minutes');
    world.clock.advance(5 * 60_000);
    expect((await world.client.post('/client/domains/shop.cn/transfer/resend-email').type('form').send({ _csrf: world.csrf })).status).toBe(303);
    expect(api.state.latestTransferIn('shop.cn')!.mailsSent).toBe(3);

    // Confirmed, then the registry refused the code: the order waits for a corrected one.
    api.state.advanceTransferIn('shop.cn', 31, { code: 'passwordError', msg: 'The transfer authorization code is incorrect' });
    await sync(world);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid' });
    expect(await db.knex('dt_domains').where({ domain: 'shop.cn' }).first()).toMatchObject({ status: 'pending', awaiting: null, failure_code: 'auth_code_invalid' });
    page = await world.client.get('/client/domains/shop.cn');
    expect(page.text).toContain('name="eppCode"');
    expect(page.text).not.toContain('Confirm the transfer email');
    await runJobs(world);
    const told = await db.knex('host_outbox').where({ template: 'transfer.failed_client' });
    expect(told).toHaveLength(1);
    expect(told[0].body).toContain('The transfer authorization code is incorrect');

    const corrected = await world.client.post('/client/domains/shop.cn/transfer/auth-code').type('form').send({ _csrf: world.csrf, eppCode: 'Second-Code-2' });
    expect(corrected.status).toBe(303);
    await runJobs(world);
    expect(api.state.latestTransferIn('shop.cn')).toMatchObject({ status: 39, code: 'Second-Code-2' });
    expect(api.actions().filter((a) => a === 'SaveSingleTaskForCreatingOrderTransfer')).toHaveLength(1);
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'submitted' });

    api.state.advanceTransferIn('shop.cn', 59);
    await sync(world);
    const active = await db.knex('dt_domains').where({ domain: 'shop.cn' }).first();
    expect(active).toMatchObject({ status: 'active', failure_code: null });
    expect(Number(active.expiry_date)).toBeGreaterThan(world.clock.now().getTime());
    expect((await db.knex('host_invoices')).length).toBe(1);
    const stored = await databaseText(db);
    for (const code of ['First-Code-1', 'Second-Code-2', MOCK_ACCESS_KEY.secret]) expect(stored).not.toContain(code);
    expect(api.refused).toEqual([]);
    await world.host.close();
  });
});

describe('transfer-out of a .hk domain at Alibaba Cloud', () => {
  it('explains the signed application procedure in the client’s language and never asks the API for a code', async () => {
    const world = await alibabaWorld();
    const clientId = await clientIdOf(world.host, DEMO.client.email);
    api.state.addOwn('shop.hk');
    await world.host.module.services.adoptDomain({ domain: 'shop.hk', clientId, registrarId: 'alibaba' });
    const page = await world.client.get('/client/domains/shop.hk');
    expect(page.text).toContain('cndomain-notice@service.alibaba.com');
    expect(page.text).toContain('three working days');
    const zh = await world.client.get('/client/domains/shop.hk?lang=zh-CN');
    expect(zh.text).toContain('《.hk域名转出申请表》');

    const csrf = await csrfOf(world.client, '/client/domains/shop.hk');
    const refused = await world.client.post('/client/domains/shop.hk/epp-code').type('form').send({ _csrf: csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('cndomain-notice@service.alibaba.com');
    expect(api.actions()).not.toContain('SaveSingleTaskForQueryingTransferAuthorizationCode');
    await world.host.close();
  });
});
