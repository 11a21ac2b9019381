import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { buildTestHost, csrfOf, DEMO, loginAs, useDemoHost } from '../test/host.test-support.ts';

const db = useMigratedDatabase();
const demo = useDemoHost(db);

const sessionRows = async () => Number((await db.knex('host_sessions').count({ n: '*' }))[0]!.n);

describe('login', () => {
  it('shows a login form that works without JavaScript', async () => {
    const page = await request(demo.host.app).get('/login');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post" action="/login">');
    expect(page.text).toContain('name="password"');
  });

  it('logs the demo client in and lands on the client dashboard, with the session in the database', async () => {
    const response = await request(demo.host.app).post('/login').type('form').send(DEMO.client);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/client');
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/dt\.sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(await sessionRows()).toBe(1);
  });

  it('logs the demo admin in and lands on the admin dashboard', async () => {
    const agent = await loginAs(demo.host, DEMO.admin);
    const page = await agent.get('/admin');
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="/admin/domains"');
  });

  it('refuses a wrong password with a translated error, 401, and no session', async () => {
    const english = await request(demo.host.app).post('/login').type('form').send({ email: DEMO.client.email, password: 'wrong' });
    expect(english.status).toBe(401);
    expect(english.text).toContain('do not match an account');
    expect(english.headers['set-cookie']).toBeUndefined();

    const chinese = await request(demo.host.app).post('/login?lang=zh-CN').type('form').send({ email: DEMO.client.email, password: 'wrong' });
    expect(chinese.status).toBe(401);
    expect(chinese.text).toContain('邮箱地址与密码不匹配');
    expect(await sessionRows()).toBe(0);
  });

  it('answers an unknown email exactly like a wrong password', async () => {
    const response = await request(demo.host.app).post('/login').type('form').send({ email: 'nobody@example.com', password: 'x' });
    expect(response.status).toBe(401);
    expect(response.text).toContain('do not match an account');
  });

  it('refuses a login form posted from another origin', async () => {
    const response = await request(demo.host.app).post('/login').set('Origin', 'https://evil.example').type('form').send(DEMO.client);
    expect(response.status).toBe(403);
    expect(await sessionRows()).toBe(0);
  });

  it('gives a new session id at login, so a planted session id is worthless', async () => {
    const agent = request.agent(demo.host.app);
    await agent.post('/login').type('form').send(DEMO.client);
    const first = await db.knex('host_sessions').pluck('sid');
    await agent.post('/login').type('form').send(DEMO.client);
    const second = await db.knex('host_sessions').pluck('sid');
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
  });

  it('returns to the page asked for before login, but never to another site', async () => {
    const local = await request(demo.host.app).post('/login').type('form').send({ ...DEMO.client, next: '/client/invoices' });
    expect(local.headers.location).toBe('/client/invoices');
    const foreign = await request(demo.host.app).post('/login').type('form').send({ ...DEMO.client, next: '//evil.example/x' });
    expect(foreign.headers.location).toBe('/client');
  });
});

describe('the session and role boundary', () => {
  it('sends an anonymous visitor to the login page from client and admin pages', async () => {
    for (const path of ['/client', '/client/invoices', '/client/domains', '/admin', '/admin/services', '/admin/domains']) {
      const response = await request(demo.host.app).get(path);
      expect(response.status, path).toBe(303);
      expect(response.headers.location, path).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('answers 403 to a client on every admin route, the host’s and the module’s', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    for (const path of ['/admin', '/admin/services', '/admin/clients', '/admin/invoices', '/admin/outbox', '/admin/domains', '/admin/jobs', '/admin/anything']) {
      const response = await agent.get(path);
      expect(response.status, path).toBe(403);
    }
    const csrf = await csrfOf(agent, '/client');
    const post = await agent.post('/admin/invoices/1/mark-paid').type('form').send({ _csrf: csrf });
    expect(post.status).toBe(403);
  });

  it('keeps sessions in the database: a second app on the same database accepts the cookie', async () => {
    const login = await request(demo.host.app).post('/login').type('form').send(DEMO.client);
    const cookie = (login.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const other = buildTestHost(db);
    try {
      const page = await request(other.app).get('/client').set('Cookie', cookie);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Alex Demo');
    } finally {
      await other.close();
    }
  });

  it('prunes expired sessions and ignores them until then', async () => {
    await db.knex('host_sessions').insert({ sid: 'old', sess: JSON.stringify({ cookie: {}, user: { userId: 1, role: 'admin', name: 'x' } }), expires_at: Date.now() - 1000 });
    const stale = await request(demo.host.app).get('/admin').set('Cookie', 'dt.sid=old');
    expect(stale.status).toBe(303);
    expect(await demo.host.sessions.prune()).toBe(1);
    expect(await sessionRows()).toBe(0);
  });
});

describe('logout', () => {
  it('refuses a logout without the CSRF token (403) and keeps the session', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    const response = await agent.post('/logout').type('form').send({});
    expect(response.status).toBe(403);
    expect((await agent.get('/client')).status).toBe(200);
  });

  it('logs out with the token: the session row is gone and pages ask for login again', async () => {
    const agent = await loginAs(demo.host, DEMO.client);
    const csrf = await csrfOf(agent, '/client');
    const response = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login');
    expect(await sessionRows()).toBe(0);
    expect((await agent.get('/client')).status).toBe(303);
  });
});
