import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { countRows, createTransferWorld, payInvoice, runJobs, type TransferWorld } from '../transfer-in/transfer-in.support.ts';
import { placeUnpaidOrder } from './promises.support.ts';

const db = useMigratedDatabase();

/** Every transfer request the registrar adapter is asked to send, with the code it carries. */
function recordTransferRequests(world: TransferWorld): Array<{ domain: string; authCode: string }> {
  const sent: Array<{ domain: string; authCode: string }> = [];
  const adapter = world.host.module.registrars.get('sandbox')!;
  const transfer = adapter.transfer.bind(adapter);
  adapter.transfer = (request) => {
    sent.push({ domain: request.domain, authCode: request.authCode });
    return transfer(request);
  };
  return sent;
}

const orderOf = (domain: string) => db.knex('dt_transfer_orders').where({ domain }).orderBy('id', 'desc').first();
const sealedOf = async (domain: string): Promise<string> => (await orderOf(domain)).epp_code_ciphertext;
const reseal = (domain: string, ciphertext: string) => db.knex('dt_transfer_orders').where({ domain }).whereNot({ status: 'cancelled' }).update({ epp_code_ciphertext: ciphertext });

describe('an EPP code sealed for one order does not open on another', () => {
  it("two paid orders whose sealed codes were swapped: neither is sent, both clients are asked for their code again", async () => {
    const world = await createTransferWorld(db);
    const sandbox = world.host.module.sandbox()!;
    await sandbox.addDomain({ name: 'sealed-alpha.com', authCode: 'Alpha-Code-4411!' });
    await sandbox.addDomain({ name: 'sealed-beta.com', authCode: 'Beta-Code-9922!' });
    const alpha = await placeUnpaidOrder(world, db, 'sealed-alpha.com', 'Alpha-Code-4411!');
    await payInvoice(world, alpha.invoice_url);
    // The second client's order, on the same key.
    const other = await loginAs(world.host, DEMO.otherClient);
    const otherCsrf = await csrfOf(other, '/client/order/domain?action=transfer');
    const ordered = await other.post('/client/order/domain?action=transfer').type('form').send({ _csrf: otherCsrf, domain: 'sealed-beta.com', eppCode: 'Beta-Code-9922!' });
    expect(ordered.status).toBe(303);
    expect((await other.post(`${ordered.headers.location}/pay`).type('form').send({ _csrf: otherCsrf })).status).toBeLessThan(400);
    expect(await db.knex('dt_transfer_orders').pluck('status')).toEqual(['queued', 'queued']);

    const sealedAlpha = await sealedOf('sealed-alpha.com');
    const sealedBeta = await sealedOf('sealed-beta.com');
    await reseal('sealed-alpha.com', sealedBeta);
    await reseal('sealed-beta.com', sealedAlpha);

    const sent = recordTransferRequests(world);
    await runJobs(world);
    expect(sent).toEqual([]);
    for (const domain of ['sealed-alpha.com', 'sealed-beta.com']) {
      expect(await orderOf(domain)).toMatchObject({ status: 'failed', failure_code: 'code_unreadable' });
      expect(await db.knex('dt_domains').where({ domain }).first()).toMatchObject({ status: 'pending', failure_code: 'code_unreadable' });
      expect(await countRows(db, 'dt_sandbox_transfers', { domain })).toBe(0);
    }
    // Each owner's page asks for the code again.
    const alphaPage = await world.client.get('/client/domains/sealed-alpha.com');
    expect(alphaPage.text).toContain('/client/domains/sealed-alpha.com/transfer/auth-code');
    const betaPage = await other.get('/client/domains/sealed-beta.com');
    expect(betaPage.text).toContain('/client/domains/sealed-beta.com/transfer/auth-code');

    // With their own codes again, both go through.
    await world.client.post('/client/domains/sealed-alpha.com/transfer/auth-code').type('form').send({ _csrf: world.csrf, eppCode: 'Alpha-Code-4411!' });
    await other.post('/client/domains/sealed-beta.com/transfer/auth-code').type('form').send({ _csrf: otherCsrf, eppCode: 'Beta-Code-9922!' });
    await runJobs(world);
    expect(sent.map((s) => `${s.domain} ${s.authCode}`).sort()).toEqual(['sealed-alpha.com Alpha-Code-4411!', 'sealed-beta.com Beta-Code-9922!']);
    expect(await db.knex('dt_transfer_orders').orderBy('id').pluck('status')).toEqual(['submitted', 'submitted']);
    await world.host.close();
  });

  it('a code sealed for an earlier order of the same domain, put on a later failed order, is refused when the order is sent again', async () => {
    const world = await createTransferWorld(db);
    // The first client orders with the right code, then cancels before paying.
    const earlier = await placeUnpaidOrder(world, db, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const sealedEarlier: string = earlier.epp_code_ciphertext;
    const cancelled = await world.client.post('/client/domains/demo-transferable.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    expect(cancelled.status).toBe(303);

    // Another client orders the same domain with a code the registry refuses; it fails awaiting a code.
    const other = await loginAs(world.host, DEMO.otherClient);
    const otherCsrf = await csrfOf(other, '/client/order/domain?action=transfer');
    const ordered = await other.post('/client/order/domain?action=transfer').type('form').send({ _csrf: otherCsrf, domain: 'demo-transferable.com', eppCode: 'Not-The-Code-0000' });
    expect(ordered.status).toBe(303);
    await other.post(`${ordered.headers.location}/pay`).type('form').send({ _csrf: otherCsrf });
    await runJobs(world);
    const later = await orderOf('demo-transferable.com');
    expect(later).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid' });
    expect(later.id).not.toBe(earlier.id);

    // The earlier order's sealed (valid) code is written onto the later order, and an admin sends it again.
    await reseal('demo-transferable.com', sealedEarlier);
    const sent = recordTransferRequests(world);
    const admin = await loginAs(world.host, DEMO.admin);
    const adminCsrf = await csrfOf(admin, '/admin/domains/demo-transferable.com');
    expect((await admin.post('/admin/domains/demo-transferable.com/transfer').type('form').send({ _csrf: adminCsrf })).status).toBe(303);
    await runJobs(world);

    expect(sent).toEqual([]);
    expect(await db.knex('dt_transfer_orders').where({ id: later.id }).first()).toMatchObject({ status: 'failed', failure_code: 'code_unreadable', dispatch_count: 2 });
    expect(await db.knex('dt_domains').where({ domain: 'demo-transferable.com' }).first()).toMatchObject({ status: 'pending', failure_code: 'code_unreadable', registrar_ref: null });
    expect(await countRows(db, 'dt_sandbox_transfers', { domain: 'demo-transferable.com' })).toBe(0);
    expect((await other.get('/client/domains/demo-transferable.com')).text).toContain('/client/domains/demo-transferable.com/transfer/auth-code');
    await world.host.close();
  });
});
