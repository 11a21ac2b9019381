import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { clientIdOf, csrfOf, DEMO, loginAs, useDemoHost } from '../test/host.test-support.ts';

const db = useMigratedDatabase();
const demo = useDemoHost(db);

const validForm = {
  name: 'Alex Renamed',
  organization: '',
  email: 'alex@example.org',
  phone: '+44.2071234567',
  street: '1 New Road\nFlat 2',
  city: 'London',
  state: '',
  postcode: 'SW1A 1AA',
  countryCode: 'gb',
};

describe('the client profile', () => {
  it('shows the contact details on a dashboard and a profile page', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    expect((await agent.get('/client')).text).toContain('Welcome, Alex Demo');
    const page = await agent.get('/client/profile');
    expect(page.status).toBe(200);
    expect(page.text).toContain('value="Springfield"');
  });

  it('saves valid details, which the billing port then hands the module', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    const csrf = await csrfOf(agent, '/client/profile');
    const saved = await agent.post('/client/profile').type('form').send({ ...validForm, _csrf: csrf });
    expect(saved.status).toBe(303);
    expect((await agent.get('/client/profile')).text).toContain('Your contact details are saved.');
    const profile = await demo.host.billing.getClient(await clientIdOf(demo.host, DEMO.client.email));
    expect(profile?.contact).toMatchObject({
      name: 'Alex Renamed',
      email: 'alex@example.org',
      address: { street: ['1 New Road', 'Flat 2'], city: 'London', postcode: 'SW1A 1AA', countryCode: 'GB' },
    });
    expect(profile?.contact.organization).toBeUndefined();
  });

  it('refuses invalid details with translated messages per field and saves nothing', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    const csrf = await csrfOf(agent, '/client/profile');
    const refused = await agent
      .post('/client/profile?lang=zh-CN')
      .type('form')
      .send({ ...validForm, _csrf: csrf, name: '', phone: '12345', countryCode: 'Britain' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('此项为必填项。');
    expect(refused.text).toContain('+国家代码.号码');
    expect(refused.text).toContain('两个字母的国家/地区代码');
    const row = await db.knex('host_clients').where({ id: await clientIdOf(demo.host, DEMO.client.email) }).first();
    expect(row.name).toBe('Alex Demo');
  });

  it('refuses a profile change without the CSRF token', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    expect((await agent.post('/client/profile').type('form').send(validForm)).status).toBe(403);
  });

  it('remembers the preferred language and speaks it on the next page', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    const csrf = await csrfOf(agent, '/client/profile');
    await agent.post('/client/profile').type('form').send({ ...validForm, locale: 'zh-CN', _csrf: csrf });
    expect((await agent.get('/client')).text).toContain('欢迎，Alex Renamed');
  });
});
