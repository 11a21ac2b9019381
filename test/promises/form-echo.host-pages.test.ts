import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../support/test-database.ts';
import { SANDBOX_DEMO_AUTH_CODE } from '../../registrar-adapters/sandbox/index.ts';
import { csrfOf, DEMO, loginAs } from '../../host/test/host.test-support.ts';
import { createTransferWorld, orderTransfer } from '../transfer-in/transfer-in.support.ts';
import { escaped, expectNoLiveMarkup, expectOnlyEscaped, MARKUP } from './promises.support.ts';

const db = useMigratedDatabase();

/** Profile inputs the form shows back exactly as typed (phone and country are normalised first; street is a textarea). */
const INPUT_FIELDS = ['name', 'organization', 'email', 'city', 'state', 'postcode'] as const;

describe('form values the reference host echoes back are escaped, never printed raw', () => {
  it('the login form: the email typed and the page to return to', async () => {
    const world = await createTransferWorld(db);
    for (const value of MARKUP) {
      const visitor = request.agent(world.host.app);
      const next = `/client/${value}`;
      const failed = await visitor.post('/login').type('form').send({ email: value, password: 'not-the-password', next });
      expect(failed.status).toBe(401);
      expectOnlyEscaped(failed.text, value, 'login form, email', { echoed: true });
      expect(failed.text).toContain(`name="email" value="${escaped(value)}"`);
      expect(failed.text).toContain(`name="next" value="${escaped(next)}"`);
      expectNoLiveMarkup(failed.text, 'login form');

      const opened = await visitor.get('/login').query({ next });
      expect(opened.status).toBe(200);
      expectOnlyEscaped(opened.text, value, 'login form opened with ?next=', { echoed: true });
    }
    await world.host.close();
  });

  it('the profile form: every field, shown back with its error', async () => {
    const world = await createTransferWorld(db);
    const csrf = await csrfOf(world.client, '/client/profile');
    for (const value of MARKUP) {
      const form = Object.fromEntries(['name', 'organization', 'email', 'phone', 'street', 'city', 'state', 'postcode', 'countryCode'].map((field) => [field, value]));
      const response = await world.client.post('/client/profile').type('form').send({ _csrf: csrf, ...form, locale: value });
      expect(response.status).toBe(422);
      expectOnlyEscaped(response.text, value, 'profile form', { echoed: true });
      for (const field of INPUT_FIELDS) expect(response.text, `profile field ${field}`).toContain(`name="${field}" value="${escaped(value)}"`);
      expect(response.text, 'profile field street').toContain(`name="street" rows="3" autocomplete="street-address">${escaped(value)}</textarea>`);
      // Phone and country are normalised (spaces dropped, upper case) before they are shown back.
      expectNoLiveMarkup(response.text, 'profile form');
    }
    await world.host.close();
  });

  it('a profile saved with markup in it is shown escaped on the admin client list', async () => {
    const world = await createTransferWorld(db);
    const csrf = await csrfOf(world.client, '/client/profile');
    const saved = await world.client.post('/client/profile').type('form').send({
      _csrf: csrf,
      name: MARKUP[0],
      organization: MARKUP[1],
      email: 'client@example.com',
      phone: '+1.5555550100',
      street: MARKUP.join('\n'),
      city: MARKUP[0],
      state: MARKUP[1],
      postcode: '12345',
      countryCode: 'US',
    });
    expect(saved.status).toBe(303);
    const admin = await loginAs(world.host, DEMO.admin);
    const page = await admin.get('/admin/clients');
    expect(page.status).toBe(200);
    for (const value of MARKUP) expectOnlyEscaped(page.text, value, 'admin client list', { echoed: true });
    await world.host.close();
  });

  it('the invoice payment form: the amount typed', async () => {
    const world = await createTransferWorld(db);
    const ordered = await orderTransfer(world, 'demo-transferable.com', SANDBOX_DEMO_AUTH_CODE);
    const invoiceUrl = ordered.headers.location!;
    for (const value of MARKUP) {
      const response = await world.client.post(`${invoiceUrl}/pay`).type('form').send({ _csrf: world.csrf, amount: value });
      expect(response.status).toBe(422);
      expectOnlyEscaped(response.text, value, 'invoice amount', { echoed: true });
      expect(response.text).toContain(`name="amount" value="${escaped(value)}"`);
    }
    expect(await db.knex('host_invoices').first()).toMatchObject({ status: 'unpaid', paid_minor: 0 });
    await world.host.close();
  });
});
