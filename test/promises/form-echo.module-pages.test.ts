import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createTransferWorld, orderTransfer, payInvoice, runJobs } from '../transfer-in/transfer-in.support.ts';
import { createOutWorld, OURS } from '../transfer-out/transfer-out.support.ts';
import { escaped, expectNoLiveMarkup, expectOnlyEscaped, MARKUP } from './promises.support.ts';

const db = useMigratedDatabase();

describe('form values the module pages echo back are escaped, never printed raw', () => {
  it('the transfer order form: the domain field (echoed), the code field (never echoed), and a domain in the address', async () => {
    const world = await createTransferWorld(db);
    for (const value of MARKUP) {
      const bad = await orderTransfer(world, value, value);
      expect(bad.status).toBe(422);
      expectOnlyEscaped(bad.text, value, 'order form, markup as domain and code', { echoed: true });
      expect(bad.text).toContain(`value="${escaped(value)}"`);
      expectNoLiveMarkup(bad.text, 'order form');

      // A refusal page for a real domain: the markup was only the code, which is never shown.
      const refused = await orderTransfer(world, 'demo-locked.com', value);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expectOnlyEscaped(refused.text, value, 'order form, markup as code');
      expect(refused.text).not.toContain(escaped(value));

      const linked = await world.client.get('/client/order/domain').query({ action: 'transfer', domain: value });
      expect(linked.status).toBe(200);
      expectOnlyEscaped(linked.text, value, 'order form opened with ?domain=', { echoed: true });
    }
    expect(await db.knex('dt_transfer_orders').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    await world.host.close();
  });

  it('the corrected-code form: a refused code is not shown back, raw or escaped', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    for (const value of MARKUP) {
      // Surrounding space: the form answers with its error on the domain page.
      const response = await world.client.post('/client/domains/demo-wrong-code.com/transfer/auth-code').type('form').send({ _csrf: world.csrf, eppCode: ` ${value}` });
      expect(response.status).toBe(422);
      expect(response.text).toContain('name="eppCode"');
      expectOnlyEscaped(response.text, value, 'corrected-code form');
      expect(response.text).not.toContain(escaped(value));
    }
    await world.host.close();
  });

  it('admin forms: the domain search, every text field of the sandbox fault form, and the refund note a client reads', async () => {
    const world = await createTransferWorld(db, { config: { billing: { onPaidTransferEnded: 'admin_decides' } } });
    const admin = await loginAs(world.host, DEMO.admin);
    const csrf = await csrfOf(admin, '/admin/domains');
    for (const value of MARKUP) {
      const search = await admin.get('/admin/domains').query({ q: value });
      expect(search.status).toBe(200);
      expectOnlyEscaped(search.text, value, 'admin domain search', { echoed: true });

      const faults = [
        { kind: value },
        { kind: 'error', operation: value },
        { kind: 'error', operation: 'transfer', errorCode: value },
        { kind: 'drop', operation: 'transfer', domainPattern: value },
      ];
      for (const fault of faults) {
        const response = await admin.post('/admin/registrars/sandbox/sandbox/faults').type('form').send({ _csrf: csrf, ...fault });
        expect(response.status, JSON.stringify(fault)).toBe(422);
        expectOnlyEscaped(response.text, value, `sandbox fault form ${JSON.stringify(fault)}`, { echoed: true });
      }
    }

    // A paid transfer the client cancels; the admin records a refund made another way, with a note.
    const ordered = await orderTransfer(world, 'demo-wrong-code.com', SANDBOX_DEMO_AUTH_CODE);
    await payInvoice(world, ordered.headers.location!);
    await runJobs(world);
    await world.client.post('/client/domains/demo-wrong-code.com/transfer/cancel').type('form').send({ _csrf: world.csrf, confirm: 'yes' });
    const note = MARKUP.join(' ');
    const settled = await admin.post('/admin/domains/demo-wrong-code.com/settlement/settled-elsewhere').type('form').send({ _csrf: csrf, note });
    expect(settled.status).toBe(303);
    for (const [who, agent] of [['client', world.client], ['admin', admin]] as const) {
      const page = await agent.get(`/${who}/domains/demo-wrong-code.com`);
      expect(page.status).toBe(200);
      expectOnlyEscaped(page.text, note, `${who} domain page, refund note`, { echoed: true });
      for (const value of MARKUP) expectOnlyEscaped(page.text, value, `${who} domain page, refund note`);
    }
    await world.host.close();
  });

  it('the confirmation step of a transfer-out action: every posted field, name and value', async () => {
    const world = await createOutWorld(db);
    for (const value of MARKUP) {
      const response = await world.client.agent
        .post(`/client/domains/${OURS}/transfer-out/reject`)
        .type('form')
        .send({ _csrf: world.client.csrf, gaining: value, reason: value, [value]: 'x' });
      expect(response.status).toBe(200);
      expect(response.text).toContain('name="confirm" value="yes"');
      expectOnlyEscaped(response.text, value, 'transfer-out confirmation', { echoed: true });
      expect(response.text).toContain(`name="reason" value="${escaped(value)}"`);
      expect(response.text).toContain(`name="${escaped(value)}" value="x"`);
      expectNoLiveMarkup(response.text, 'transfer-out confirmation');
    }
    await world.host.close();
  });
});
