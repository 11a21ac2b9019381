import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { refuseInserts } from '../../test/support/refused-inserts.ts';
import { createTransferWorld } from '../../test/transfer-in/transfer-in.support.ts';
import { clientIdOf, DEMO } from '../../host/test/host.test-support.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { AppError, InputError } from '../errors.ts';
import { payInvoice, runJobs } from '../../test/transfer-in/transfer-in.support.ts';

/**
 * The order service as the order page, the API and the host's invoice.paid hook call it:
 * what a malformed form is told, what the host is asked to invoice, and which payment events
 * start a transfer. Against the reference host's billing and a real database.
 */
const db = useMigratedDatabase();

async function world() {
  const w = await createTransferWorld(db);
  const clientId = await clientIdOf(w.host, DEMO.client.email);
  return { ...w, clientId, orders: w.host.module.services.transferOrders };
}

function formRefusal(parse: () => unknown): { key: string; field?: string } {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { key: (error as InputError).messageKey, field: (error as InputError).field };
  }
  throw new Error('expected a refusal');
}

describe('the order form', () => {
  it.each([
    [{ eppCode: 'Code-1234' }, 'transfer:errors.domain_required', 'domain'],
    [{ domain: 42, eppCode: 'Code-1234' }, 'transfer:errors.domain_required', 'domain'],
    [{ domain: 'x'.repeat(301), eppCode: 'Code-1234' }, 'transfer:errors.domain_required', 'domain'],
    [{ domain: 'example.com' }, 'transfer:errors.code_required', 'eppCode'],
    [{ domain: 'example.com', eppCode: ['a'] }, 'transfer:errors.code_required', 'eppCode'],
    [{ domain: 'example.com', eppCode: 'Code-1234', extra: 'x' }, 'errors.bad_request', undefined],
    [{ domain: 'example.com', eppCode: 'Code-1234', _csrf: 5 }, 'errors.bad_request', undefined],
    ['domain=example.com', 'errors.bad_request', undefined],
    [null, 'errors.bad_request', undefined],
  ])('refuses %j with %s', async (body, key, field) => {
    const w = await world();
    expect(formRefusal(() => w.orders.parseOrderForm(body))).toEqual({ key, field });
    await w.host.close();
  });

  it('takes the form the order page posts, its CSRF token and action included', async () => {
    const w = await world();
    expect(w.orders.parseOrderForm({ domain: ' Example.COM ', eppCode: 'Code-1234', _csrf: 't', action: 'transfer' })).toEqual({
      domain: { domain: 'example.com', unicode: 'example.com', suffix: 'com' },
      eppCode: 'Code-1234',
    });
    await w.host.close();
  });
});

describe('placing an order', () => {
  it('asks the host for an invoice line that names the domain as the client wrote it', async () => {
    const w = await world();
    await w.host.module.sandbox()!.addDomain({ name: 'xn--mnchen-3ya.com' });
    const { order } = await w.orders.placeOrder(w.clientId, { domain: 'münchen.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    expect(await db.knex('host_order_items').where({ id: Number(order.order_item_id) }).first('description', 'amount_minor', 'currency')).toEqual({
      description: 'Domain transfer: münchen.com (includes 1-year renewal)',
      amount_minor: 1099,
      currency: 'USD',
    });
    await w.host.close();
  });

  it('passes on a database failure when the order is written, and takes back the host’s order', async () => {
    const w = await world();
    const lift = await refuseInserts(db.knex, 'dt_transfer_orders', 'disk full');
    try {
      await expect(w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE })).rejects.toThrow(/disk full/);
    } finally {
      await lift();
    }
    expect(await db.knex('host_orders').select('status')).toEqual([{ status: 'cancelled' }]);
    expect(await db.knex('dt_transfer_orders').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await w.host.close();
  });
});

describe('a payment event', () => {
  it('starts nothing unless it is a full payment of an invoice the host says is paid', async () => {
    const w = await world();
    const { order } = await w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    const items = [{ orderItemId: order.order_item_id }];
    const invoiceId = order.invoice_id;
    for (const event of [undefined, null, {}, { paidInFull: false, invoiceId, items }, { paidInFull: true, invoiceId, items: 'all' }, { paidInFull: true, invoiceId: '999999', items }, { paidInFull: true, invoiceId, items }]) {
      expect(await w.orders.onInvoicePaid(event as never), JSON.stringify(event)).toBe(0);
    }
    // The host's invoice is still unpaid: a forged or early event starts nothing.
    expect(await db.knex('dt_transfer_orders').first('status', 'dispatch_count')).toEqual({ status: 'awaiting_payment', dispatch_count: 0 });
    expect(await db.knex('dt_jobs').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await w.host.close();
  });

  it('a partly paid invoice starts nothing, even when the event says it is paid in full', async () => {
    const w = await world();
    const { order } = await w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).update({ status: 'paid', paid_minor: 500 });
    expect(await w.orders.onInvoicePaid({ paidInFull: true, invoiceId: order.invoice_id, items: [{ orderItemId: order.order_item_id }] } as never)).toBe(0);
    await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).update({ paid_minor: 1099 });
    expect(await w.orders.onInvoicePaid({ paidInFull: true, invoiceId: order.invoice_id, items: [{ orderItemId: order.order_item_id }] } as never)).toBe(1);
    expect(await db.knex('dt_transfer_orders').first('status')).toEqual({ status: 'queued' });
    await w.host.close();
  });
});

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return { status: (error as AppError).status, key: (error as AppError).messageKey, params: (error as AppError).params };
}

/** A paid order the registry refused for its code: failed, its domain pending with the reason. */
async function refusedForCode(w: Awaited<ReturnType<typeof world>>) {
  const { order, invoiceUrl } = await w.orders.placeOrder(w.clientId, { domain: 'demo-wrong-code.com', eppCode: 'Wrong-Code-4711' });
  await payInvoice(w, invoiceUrl);
  await runJobs(w);
  expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'failed', failure_code: 'auth_code_invalid' });
  const domain = await db.knex('dt_domains').where({ domain: 'demo-wrong-code.com' }).first();
  expect(domain).toMatchObject({ status: 'pending', failure_code: 'auth_code_invalid' });
  return { order, domainId: Number(domain.id) };
}

const history = (domainId: number) => db.knex('dt_domain_status_history').where({ domain_id: domainId }).orderBy('id').select('cause', 'actor');

describe('a corrected code', () => {
  it('queues the order again, clears the domain’s failure and notes who sent it', async () => {
    const w = await world();
    const { order, domainId } = await refusedForCode(w);
    await w.orders.resubmitCode(w.clientId, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'queued', dispatch_count: 2, code_resubmissions: 1, failure_code: null, failure_reason: null });
    expect(await db.knex('dt_domains').where({ id: domainId }).first()).toMatchObject({ status: 'pending', failure_code: null, failure_reason: null });
    expect((await history(domainId)).at(-1)).toEqual({ cause: 'transfer.resubmitted', actor: `client:${w.clientId}` });
    expect(await db.knex('dt_jobs').where({ type: 'TransferDomainJob', status: 'queued' }).count({ n: '*' }).first()).toMatchObject({ n: 1 });
    await w.host.close();
  });

  it('is refused for another client’s order, an order not waiting for one, a refusal a code cannot cure, and once the allowance is used', async () => {
    const w = await world();
    const { order } = await refusedForCode(w);
    const other = await clientIdOf(w.host, DEMO.otherClient.email);
    expect(await refusal(w.orders.resubmitCode(other, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE))).toEqual({ status: 404, key: 'errors.not_found', params: {} });
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ failure_code: 'not_authorized' });
    expect(await refusal(w.orders.resubmitCode(w.clientId, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE))).toEqual({ status: 409, key: 'transfer:errors.code_not_the_problem', params: { domain: 'demo-wrong-code.com' } });
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ failure_code: 'auth_code_invalid', code_resubmissions: 5 });
    expect(await refusal(w.orders.resubmitCode(w.clientId, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE))).toEqual({ status: 409, key: 'transfer:errors.code_resubmissions_used', params: { count: 5 } });
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ code_resubmissions: 0, status: 'queued' });
    expect(await refusal(w.orders.resubmitCode(w.clientId, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE))).toEqual({ status: 409, key: 'transfer:errors.not_awaiting_code', params: { domain: 'demo-wrong-code.com' } });
    await w.host.close();
  });
});

describe('an admin’s retry', () => {
  it('queues a failed order again with the code on file, noted as the admin’s', async () => {
    const w = await world();
    const { order, domainId } = await refusedForCode(w);
    await w.orders.adminDispatch('demo-wrong-code.com');
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first()).toMatchObject({ status: 'queued', dispatch_count: 2, code_resubmissions: 0 });
    expect((await history(domainId)).at(-1)).toEqual({ cause: 'transfer.redispatched', actor: 'admin' });
    expect(await refusal(w.orders.adminDispatch('demo-wrong-code.com'))).toEqual({ status: 409, key: 'transfer:errors.not_retryable', params: { status: 'queued' } });
    expect(await refusal(w.orders.adminDispatch('elsewhere.com'))).toEqual({ status: 404, key: 'errors.not_found', params: {} });
    await db.knex('dt_transfer_orders').where({ id: order.id }).update({ status: 'failed', epp_code_ciphertext: null });
    expect(await refusal(w.orders.adminDispatch('demo-wrong-code.com', 'admin:7'))).toEqual({ status: 409, key: 'transfer:errors.code_missing', params: {} });
    await w.host.close();
  });
});

describe('cancelling', () => {
  it('by the client or an admin ends the order with a reason that says who', async () => {
    const w = await world();
    await w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    await refusedForCode(w);
    await w.orders.cancel('demo-transferable.com', `client:${w.clientId}`, w.clientId);
    await w.orders.cancel('demo-wrong-code.com', 'admin:1');
    await runJobs(w);
    const cancelled = w.events.filter((e) => e.name === 'domain.transfer.cancelled').map((e) => e.payload as Record<string, unknown>);
    expect(cancelled.map((e) => [e.domain, e.cancelledBy, e.reason]).sort()).toEqual([
      ['demo-transferable.com', 'client', 'cancelled by the client'],
      ['demo-wrong-code.com', 'admin', 'cancelled by the admin'],
    ]);
    expect(await db.knex('dt_domain_status_history').where({ to_status: 'cancelled' }).select('actor', 'detail')).toEqual([{ actor: 'admin:1', detail: 'cancelled by the admin' }]);
    await w.host.close();
  });

  it('is refused for another client’s order, an order with the registrar, and an invoice partly paid', async () => {
    const w = await world();
    const { order, invoiceUrl } = await w.orders.placeOrder(w.clientId, { domain: 'demo-transferable.com', eppCode: SANDBOX_DEMO_AUTH_CODE });
    const other = await clientIdOf(w.host, DEMO.otherClient.email);
    expect(await refusal(w.orders.cancel('demo-transferable.com', `client:${other}`, other))).toEqual({ status: 404, key: 'errors.not_found', params: {} });
    await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).update({ paid_minor: 500 });
    expect(await refusal(w.orders.cancel('demo-transferable.com', 'admin:1'))).toEqual({ status: 409, key: 'transfer:errors.invoice_part_paid', params: {} });
    // Paid and queued: the registrar may be asked at any moment, so it is not the client's to end.
    await db.knex('host_invoices').where({ id: Number(order.invoice_id) }).update({ paid_minor: 0 });
    await payInvoice(w, invoiceUrl);
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first('status')).toEqual({ status: 'queued' });
    expect(await refusal(w.orders.cancel('demo-transferable.com', 'admin:1'))).toEqual({ status: 409, key: 'transfer:errors.not_cancellable', params: { status: 'queued' } });
    expect(await db.knex('dt_transfer_orders').where({ id: order.id }).first('status')).toEqual({ status: 'queued' });
    expect(await db.knex('host_orders').first('status')).not.toEqual({ status: 'cancelled' });
    await w.host.close();
  });
});
