import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { createCaptureLogger } from '../../test/support/capture-logger.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { buildHost, type Host } from '../build-host.ts';
import { DEMO, seedDemo, testModuleConfig, TEST_ENV } from '../test/host.test-support.ts';
import { addressKeyOf } from './login-throttle.ts';

const db = useMigratedDatabase();
const MINUTE = 60_000;
const WRONG = 'not-the-password-4711';

interface World {
  clock: FakeClock;
  hosts: Host[];
  logs: () => Array<Record<string, unknown>>;
  rawLogs: () => string;
  /** A login form post from `address` (the host trusts one proxy hop, which says who it is). */
  login(credentials: { email: string; password: string }, address?: string, options?: { host?: number; lang?: string }): Promise<request.Response>;
}

/** Two hosts on one database, as two instances behind a load balancer, with one fake clock. */
async function world(env: NodeJS.ProcessEnv = {}): Promise<World> {
  const clock = new FakeClock('2026-06-01T09:00:00Z');
  const capture = createCaptureLogger();
  const build = () => buildHost({ knex: db.knex, clock, config: testModuleConfig(), logger: capture.logger, env: { ...TEST_ENV, TRUST_PROXY: '1', ...env } });
  await seedDemo(db);
  const hosts = [build(), build()];
  return {
    clock,
    hosts,
    logs: () => capture.entries(),
    rawLogs: capture.text,
    login: (credentials, address = '198.51.100.7', options = {}) =>
      request(hosts[options.host ?? 0]!.app)
        .post(`/login${options.lang ? `?lang=${options.lang}` : ''}`)
        .set('X-Forwarded-For', address)
        .type('form')
        .send(credentials),
  };
}

const close = (w: World) => Promise.all(w.hosts.map((h) => h.close()));
const wrong = (email = DEMO.client.email) => ({ email, password: WRONG });

describe('login throttling per account', () => {
  it('refuses the sixth guess and then the right password too (429, Retry-After, translated), until the window has passed', async () => {
    const w = await world();
    for (let i = 1; i <= 5; i++) expect((await w.login(wrong())).status, `guess ${i}`).toBe(401);
    const sixth = await w.login(wrong());
    expect(sixth.status).toBe(429);
    expect(sixth.headers['retry-after']).toBe('900');

    w.clock.advance(5 * MINUTE);
    const right = await w.login(DEMO.client);
    expect(right.status).toBe(429);
    expect(right.headers['retry-after']).toBe('600');
    expect(right.headers['set-cookie']).toBeUndefined();
    expect(right.text).toContain('Too many failed logins for this account or from this network');
    expect(right.text).toContain('try again in 10 minutes');
    const chinese = await w.login(DEMO.client, undefined, { lang: 'zh-CN' });
    expect(chinese.status).toBe(429);
    expect(chinese.text).toContain('登录失败次数过多');
    expect(chinese.text).toContain('10 分钟后重试');
    // Another instance on the same database refuses as well.
    expect((await w.login(DEMO.client, undefined, { host: 1 })).status).toBe(429);

    w.clock.advance(10 * MINUTE);
    const later = await w.login(DEMO.client);
    expect(later.status).toBe(303);
    expect(later.headers.location).toBe('/client');
    await close(w);
  });

  it('counts the failures of every instance sharing the database, and of every spelling of the email', async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) expect((await w.login(wrong(i % 2 ? ' Client@Example.COM' : DEMO.client.email), undefined, { host: i % 2 })).status).toBe(401);
    expect((await w.login(DEMO.client, undefined, { host: 1 })).status).toBe(429);
    await close(w);
  });

  it('forgets an account’s failures once it logs in', async () => {
    const w = await world();
    for (let i = 0; i < 4; i++) await w.login(wrong());
    expect((await w.login(DEMO.client)).status).toBe(303);
    for (let i = 1; i <= 5; i++) expect((await w.login(wrong())).status, `guess ${i} after the login`).toBe(401);
    expect((await w.login(wrong())).status).toBe(429);
    await close(w);
  });

  it('lets no more guesses through than allowed when they arrive at once', async () => {
    const w = await world();
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => w.login(wrong(), undefined, { host: i % 2 })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect((await w.login(DEMO.client)).status).toBe(429);
    await close(w);
  });
});

describe('login throttling per client address', () => {
  it('refuses the 21st guess from one address across different accounts, while other addresses still log in', async () => {
    const w = await world();
    for (let i = 1; i <= 20; i++) expect((await w.login(wrong(`guess-${i}@example.com`), '192.0.2.44')).status, `guess ${i}`).toBe(401);
    const refused = await w.login(wrong('guess-21@example.com'), '192.0.2.44');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBe(900);
    // Not the account's fault: the same right password from elsewhere gets in, from there it does not.
    expect((await w.login(DEMO.client, '192.0.2.44')).status).toBe(429);
    expect((await w.login(DEMO.client, '198.51.100.20')).status).toBe(303);
    // A login that clears the account does not clear the address it was guessed from.
    expect((await w.login(wrong('guess-22@example.com'), '192.0.2.44')).status).toBe(429);
    await close(w);
  });

  it('counts an IPv6 subscriber’s whole /64 as one address', async () => {
    const w = await world({ LOGIN_FAILURES_PER_ADDRESS: '3' });
    for (let i = 1; i <= 3; i++) expect((await w.login(wrong(`v6-${i}@example.com`), `2001:db8:5:7::${i}`)).status).toBe(401);
    expect((await w.login(wrong('v6-4@example.com'), '2001:db8:5:7:ffff::9')).status).toBe(429);
    expect((await w.login(wrong('v6-5@example.com'), '2001:db8:5:8::1')).status).toBe(401);
    await close(w);
  });

  it('takes its limits and window from the host settings', async () => {
    const w = await world({ LOGIN_FAILURES_PER_ACCOUNT: '2', LOGIN_FAILURE_WINDOW_MINUTES: '1' });
    for (let i = 0; i < 2; i++) expect((await w.login(wrong())).status).toBe(401);
    const refused = await w.login(DEMO.client);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.text).toContain('try again in 1 minute.');
    w.clock.advance(MINUTE);
    expect((await w.login(DEMO.client)).status).toBe(303);
    await close(w);
  });
});

describe('the log of failed and refused logins', () => {
  it('names the account and the address, never the password', async () => {
    const w = await world({ LOGIN_FAILURES_PER_ACCOUNT: '1' });
    await w.login(wrong(' Client@Example.com'), '203.0.113.77');
    await w.login(wrong(), '203.0.113.77');
    const failed = w.logs().find((line) => line.event === 'login.failed');
    expect(failed).toMatchObject({ account: 'client@example.com', address: '203.0.113.77', msg: 'login failed' });
    const throttled = w.logs().find((line) => line.event === 'login.throttled');
    expect(throttled).toMatchObject({ account: 'client@example.com', address: '203.0.113.77', limitedBy: 'account', retryAfterSeconds: 900 });
    expect(w.rawLogs()).not.toContain(WRONG);
    await close(w);
  });
});

describe('what an address is counted as', () => {
  it('an IPv4 address as itself, also when written as IPv6, and an IPv6 address by its /64', () => {
    expect(addressKeyOf('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKeyOf('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKeyOf('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKeyOf('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
    expect(addressKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKeyOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(addressKeyOf(undefined)).toBe('unknown');
  });
});
