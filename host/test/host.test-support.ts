import pino from 'pino';
import { afterEach, beforeEach } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from '../../test/support/test-database.ts';
import { AccountRepository } from '../accounts/account.repository.ts';
import { demoUsersFromEnv, seedDemoUsers } from '../accounts/demo-users.seed.ts';
import { hashPassword, type PasswordCost } from '../auth/password.hasher.ts';
import { buildHost, type Host } from '../build-host.ts';
import { demoModuleDefaults } from '../host-config.ts';

/** A fixed key, so every host built in a test file reads the same sealed values and CSRF tokens. */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_ENV: NodeJS.ProcessEnv = { SESSION_SECRET: 'test-session-secret' };
export const DEMO = demoUsersFromEnv({});

export function testModuleConfig(): Record<string, unknown> {
  return { ...demoModuleDefaults(TEST_ENCRYPTION_KEY, 'http://localhost:3000'), jobs: { runInHost: false }, sync: { enabled: false } };
}

export function buildTestHost(db: TestDatabase, overrides: { env?: NodeJS.ProcessEnv; config?: unknown } = {}): Host {
  return buildHost({
    knex: db.knex,
    config: overrides.config ?? testModuleConfig(),
    logger: pino({ level: 'silent' }),
    env: { ...TEST_ENV, ...overrides.env },
  });
}

// The demo users of a test database get hashes made once per test process at a low scrypt
// cost. A hash carries its cost, so logging in through the real form checks it at that cost:
// the login path is the product's, without ~50 ms of scrypt per hash and per login in every
// test (measured: three quarters of a host test's time). The product's cost is tested in
// the password hasher's own test.
const FIXTURE_PASSWORD_COST: PasswordCost = { N: 1024, r: 8, p: 1 };
const fixtureHashes = new Map<string, Promise<string>>();
function fixtureHash(password: string): Promise<string> {
  let hash = fixtureHashes.get(password);
  if (!hash) fixtureHashes.set(password, (hash = hashPassword(password, FIXTURE_PASSWORD_COST)));
  return hash;
}

export async function seedDemo(db: TestDatabase): Promise<void> {
  await seedDemoUsers(new AccountRepository(db.knex, { now: () => new Date() }), DEMO, undefined, fixtureHash);
}

export type Agent = ReturnType<typeof request.agent>;

/** Logs in through the real form and returns the cookie-keeping agent. */
export async function loginAs(host: Host, credentials: { email: string; password: string }): Promise<Agent> {
  const agent = request.agent(host.app);
  const response = await agent.post('/login').type('form').send(credentials);
  if (response.status !== 303) throw new Error(`login as ${credentials.email} answered ${response.status}`);
  return agent;
}

/** The CSRF token the pages of this session carry (every logged-in page has the logout form). */
export async function csrfOf(agent: Agent, path = '/'): Promise<string> {
  const page = await agent.get(path).redirects(2);
  const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!match) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
  return match[1]!;
}

export async function clientIdOf(host: Host, email: string): Promise<string> {
  const user = await host.accounts.findUserByEmail(email);
  if (!user?.client_id) throw new Error(`${email} is not a client`);
  return String(user.client_id);
}

/**
 * A fresh host with the demo users for every test, closed afterwards. Read `.host` inside tests.
 */
export function useDemoHost(db: TestDatabase): { host: Host } {
  const handle = {} as { host: Host };
  beforeEach(async () => {
    await seedDemo(db);
    handle.host = buildTestHost(db);
  });
  afterEach(async () => {
    await handle.host.close();
  });
  return handle;
}
