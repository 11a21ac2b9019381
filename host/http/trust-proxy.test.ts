import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { createCaptureLogger } from '../../test/support/capture-logger.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { buildHost, type Host } from '../build-host.ts';
import { DEMO, seedDemo, testModuleConfig, TEST_ENV } from '../test/host.test-support.ts';

const db = useMigratedDatabase();

/** What a TLS-terminating proxy in front of the host adds to each request. */
const BEHIND_TLS_PROXY = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' };

async function hostWith(env: NodeJS.ProcessEnv) {
  const capture = createCaptureLogger();
  const host = buildHost({ knex: db.knex, clock: new FakeClock('2026-06-01T09:00:00Z'), config: testModuleConfig(), logger: capture.logger, env: { ...TEST_ENV, ...env } });
  await seedDemo(db);
  // The sandbox registry's demo domains, for an audited admin action.
  await host.module.prepare();
  return { host, logs: () => capture.entries() };
}

/** Logs in through the proxy and returns the session cookie, sent back by hand: supertest keeps a Secure cookie off plain HTTP. */
async function loginBehindProxy(host: Host, who: { email: string; password: string }) {
  const response = await request(host.app).post('/login').set(BEHIND_TLS_PROXY).type('form').send(who);
  expect(response.status).toBe(303);
  const setCookie = (response.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('dt.sid='))!;
  return { setCookie, cookie: setCookie.split(';')[0]! };
}

describe('TRUST_PROXY=1 behind a TLS-terminating proxy', () => {
  it('marks the session cookie Secure, sends HSTS, and knows the visitor by the forwarded address in the log and the audit trail', async () => {
    const { host, logs } = await hostWith({ TRUST_PROXY: '1' });
    const { setCookie, cookie } = await loginBehindProxy(host, DEMO.admin);
    expect(setCookie).toMatch(/;\s*Secure/i);
    expect(logs().find((line) => line.event === 'login')).toMatchObject({ address: '203.0.113.9' });

    const page = await request(host.app).get('/admin/registrars/sandbox').set(BEHIND_TLS_PROXY).set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const action = await request(host.app)
      .post('/admin/registrars/sandbox/sandbox/domains/demo-ours.com/request-transfer-out')
      .set(BEHIND_TLS_PROXY)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(action.status).toBe(303);
    expect(await db.knex('dt_audit_log').where({ action: 'sandbox.request-transfer-out' }).first('ip')).toEqual({ ip: '203.0.113.9' });
    await host.close();
  });

  it('trusts one hop only: an address the visitor forged in front of the proxy’s is not taken', async () => {
    const { host, logs } = await hostWith({ TRUST_PROXY: '1' });
    await request(host.app).post('/login').set({ 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.66, 203.0.113.9' }).type('form').send(DEMO.client);
    expect(logs().find((line) => line.event === 'login')).toMatchObject({ address: '203.0.113.9' });
    await host.close();
  });

  it('without TRUST_PROXY, believes no forwarded header: no Secure cookie over plain HTTP, no HSTS, the socket’s address', async () => {
    const { host, logs } = await hostWith({});
    const response = await request(host.app).post('/login').set(BEHIND_TLS_PROXY).type('form').send(DEMO.client);
    expect(response.status).toBe(303);
    expect(String(response.headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(logs().find((line) => line.event === 'login')!.address).not.toBe('203.0.113.9');
    await host.close();
  });
});
