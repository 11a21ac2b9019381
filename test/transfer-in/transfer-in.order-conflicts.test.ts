import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { countRows, createTransferWorld, orderTransfer, payInvoice, runJobs, type TransferWorld } from './transfer-in.support.ts';

/**
 * Actions on a transfer order that arrive at the wrong moment: two orders for one domain at
 * once, a corrected code or a dispatch while the order is not waiting for one, a cancel once
 * the order is with the registrar. Each is refused with 409 and its reason; no money moves.
 */
const db = useMigratedDatabase();
const DOMAIN = 'demo-transferable.com';
const WRONG_CODE = 'Wrong-Code-4711';

async function orderAndPay(world: TransferWorld, code: string) {
  const ordered = await orderTransfer(world, DOMAIN, code);
  expect(ordered.status).toBe(303);
  await payInvoice(world, ordered.headers.location!);
}

const sendCode = (world: TransferWorld, code = SANDBOX_DEMO_AUTH_CODE) => world.client.post(`/client/domains/${DOMAIN}/transfer/auth-code`).type('form').send({ _csrf: world.csrf, eppCode: code });

/** The platform's side: the JSON API names the reason of a refusal in its problem type. */
async function apiOf(world: TransferWorld) {
  const { token } = await world.host.module.services.apiKeys.create({ name: 'platform', scopes: ['transfers:write'], actor: 'admin:1' });
  return {
    sendCode: (code = SANDBOX_DEMO_AUTH_CODE) => request(world.host.app).post(`/api/v1/domains/${DOMAIN}/transfer/code`).set('Authorization', `Bearer ${token}`).send({ authCode: code }),
  };
}
const NOT_AWAITING_CODE = 'urn:domain-transfers:problem:transfer:errors.not_awaiting_code';

async function adminOf(world: TransferWorld) {
  const admin = await loginAs(world.host, DEMO.admin);
  const csrf = await csrfOf(admin, `/admin/domains/${DOMAIN}`);
  return { dispatch: () => admin.post(`/admin/domains/${DOMAIN}/transfer`).type('form').send({ _csrf: csrf }) };
}

describe('two orders for one domain placed at the same moment', () => {
  it('keeps one; the other’s host order is cancelled with its invoice, and its client hears only that the name cannot be ordered now', async () => {
    const world = await createTransferWorld(db);
    // Both pass every check before either is written: the host creates both orders together.
    const billing = world.host.billing;
    const create = billing.createTransferOrder.bind(billing);
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>((resolve) => (release = resolve));
    billing.createTransferOrder = async (input) => {
      if (++arrived === 2) release();
      await bothThere;
      return create(input);
    };

    const answers = await Promise.all([orderTransfer(world, DOMAIN, SANDBOX_DEMO_AUTH_CODE), orderTransfer(world, DOMAIN, SANDBOX_DEMO_AUTH_CODE)]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    const lost = answers.find((a) => a.status === 409)!;
    expect(lost.text).toContain(`${DOMAIN} cannot be ordered right now.`);

    expect(await countRows(db, 'dt_transfer_orders')).toBe(1);
    const kept = await db.knex('dt_transfer_orders').first();
    const orders = await db.knex('host_orders').orderBy('id').select('id', 'status', 'cancel_reason');
    expect(orders).toHaveLength(2);
    expect(orders.find((o) => String(o.id) === String(kept.order_id))).toMatchObject({ status: 'pending', cancel_reason: null });
    expect(orders.find((o) => String(o.id) !== String(kept.order_id))).toMatchObject({ status: 'cancelled', cancel_reason: 'duplicate transfer order' });
    expect(await db.knex('host_invoices').orderBy('id').pluck('status')).toEqual(expect.arrayContaining(['unpaid', 'cancelled']));
    await world.host.close();
  });
});

describe('a corrected EPP code at the wrong moment', () => {
  it('is refused while the order is still with the registrar', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, SANDBOX_DEMO_AUTH_CODE);
    const page = await sendCode(world);
    expect(page.status).toBe(409);
    // The code form is not on the page while the order is queued; the refusal is, at the top.
    expect(page.text).not.toContain('id="eppCode"');
    expect(page.text).toContain('<p class="flash error" role="alert">This transfer is not waiting for a new EPP code.</p>');
    const api = await apiOf(world);
    const response = await api.sendCode();
    expect(response.status).toBe(409);
    expect(response.body.type).toBe(NOT_AWAITING_CODE);
    expect(response.text).toContain('This transfer is not waiting for a new EPP code.');
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'queued', dispatch_count: 1, code_resubmissions: 0 });
    await world.host.close();
  });

  it('sent twice at once dispatches the order once; the second is told it is no longer waiting', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, WRONG_CODE);
    await runJobs(world);
    const order = await db.knex('dt_transfer_orders').first();
    expect(order).toMatchObject({ status: 'failed' });

    // Two corrected codes (the client's page and the platform's API) both find the order failed.
    const orders = world.host.module.services.transferOrders;
    const find = orders.findOpenOrderForDomain.bind(orders);
    let found = 0;
    let release!: () => void;
    const bothFound = new Promise<void>((resolve) => (release = resolve));
    orders.findOpenOrderForDomain = async (domain: string) => {
      const row = await find(domain);
      if (++found === 2) release();
      await bothFound;
      return row;
    };
    const outcomes = await Promise.allSettled([orders.resubmitCode(order.client_id, DOMAIN, SANDBOX_DEMO_AUTH_CODE), orders.resubmitCode(order.client_id, DOMAIN, SANDBOX_DEMO_AUTH_CODE)]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
    expect(refused).toMatchObject({ status: 409, messageKey: 'transfer:errors.not_awaiting_code', params: { domain: DOMAIN } });
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'queued', dispatch_count: 2, code_resubmissions: 1 });
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob' })).toBe(2);
    await world.host.close();
  });
});

describe('Admin → Domains → Transfer at the wrong moment', () => {
  it('is refused for an order that has not failed, naming its state', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, SANDBOX_DEMO_AUTH_CODE);
    const response = await (await adminOf(world)).dispatch();
    expect(response.status).toBe(409);
    expect(response.text).toContain('This transfer cannot be dispatched again while it is queued.');
    expect(await countRows(db, 'dt_jobs', { type: 'TransferDomainJob' })).toBe(1);
    await world.host.close();
  });

  it('is refused when no EPP code is on file, and says to ask the client for one', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, WRONG_CODE);
    await runJobs(world);
    // As the status sync leaves an order whose code the registry refused after accepting the
    // request: the code was purged when the request was submitted.
    await db.knex('dt_transfer_orders').update({ epp_code_ciphertext: null });
    const response = await (await adminOf(world)).dispatch();
    expect(response.status).toBe(409);
    expect(response.text).toContain('No EPP code is on file for this transfer; ask the client for a new one.');
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'failed', dispatch_count: 1 });
    await world.host.close();
  });
});

describe('cancelling a transfer that is with the registrar', () => {
  it('is refused with the order’s state, and the paid invoice is left alone', async () => {
    const world = await createTransferWorld(db);
    await orderAndPay(world, SANDBOX_DEMO_AUTH_CODE);
    const response = await world.client.post(`/client/domains/${DOMAIN}/transfer/cancel`).type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    expect(response.status).toBe(409);
    expect(response.text).toContain('This transfer can no longer be cancelled (it is queued).');
    expect(await db.knex('dt_transfer_orders').first()).toMatchObject({ status: 'queued' });
    expect(await db.knex('host_invoices').first()).toMatchObject({ status: 'paid' });
    expect(await countRows(db, 'dt_order_settlements')).toBe(0);
    await world.host.close();
  });
});
