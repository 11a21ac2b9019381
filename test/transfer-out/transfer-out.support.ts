import pino from 'pino';
import type { Logger } from 'pino';
import { buildHost, type Host } from '../../host/build-host.ts';
import { clientIdOf, csrfOf, DEMO, loginAs, seedDemo, testModuleConfig, TEST_ENV, type Agent } from '../../host/test/host.test-support.ts';
import type { SandboxAdapter, SandboxRegistry } from '../../registrar-adapters/sandbox/index.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { FakeClock } from '../support/fake-clock.ts';
import type { ClientPrincipal } from '../../module/host-context.ts';

export { countRows, databaseText } from '../transfer-in/transfer-in.support.ts';

/** Demo domains the sandbox registry says we sponsor. */
export const OURS = 'demo-ours.com';
export const OURS_LOCKED = 'demo-ours-locked.net';
export const OURS_CLASSIC = 'demo-ours-classic.org';

export interface Session {
  agent: Agent;
  csrf: string;
}

export interface OutWorld {
  host: Host;
  clock: FakeClock;
  registry: SandboxRegistry;
  clientId: string;
  otherClientId: string;
  client: Session;
}

export function buildOutHost(db: TestDatabase, clock: FakeClock, options: { logger?: Logger; config?: Record<string, unknown> } = {}): Host {
  return buildHost({
    knex: db.knex,
    clock,
    config: { ...testModuleConfig(), ...options.config },
    logger: options.logger ?? pino({ level: 'silent' }),
    env: TEST_ENV,
  });
}

export function sandboxOf(host: Host): SandboxRegistry {
  return (host.module.registrars.get('sandbox') as SandboxAdapter).registry;
}

export async function session(host: Host, who: { email: string; password: string }, page = '/'): Promise<Session> {
  const agent = await loginAs(host, who);
  return { agent, csrf: await csrfOf(agent, page) };
}

/**
 * A reference host on the test database with a fake clock, the demo users, the sandbox's
 * demo domains, and the three domains we sponsor adopted as the demo client's.
 */
export async function createOutWorld(
  db: TestDatabase,
  options: { logger?: Logger; config?: Record<string, unknown>; adopt?: string[] } = {},
): Promise<OutWorld> {
  const clock = new FakeClock('2026-06-01T09:00:00Z');
  const host = buildOutHost(db, clock, options);
  await seedDemo(db);
  await host.module.start();
  const clientId = await clientIdOf(host, DEMO.client.email);
  const otherClientId = await clientIdOf(host, DEMO.otherClient.email);
  for (const domain of options.adopt ?? [OURS, OURS_LOCKED, OURS_CLASSIC]) {
    await host.module.services.adoptDomain({ domain, clientId, registrarId: 'sandbox' });
  }
  const client = await session(host, DEMO.client);
  return { host, clock, registry: sandboxOf(host), clientId, otherClientId, client };
}

/**
 * Posts a form as the page would. A Get EPP Code post carries the one-time token of the
 * domain page's form, read from the page first, as a browser would have it.
 */
export async function post(s: Session, path: string, form: Record<string, string> = {}) {
  if (path.endsWith('/epp-code') && form.issue === undefined) {
    const page = await s.agent.get(path.slice(0, -'/epp-code'.length));
    const issue = /name="issue" value="([^"]+)"/.exec(page.text)?.[1];
    if (issue) form = { ...form, issue };
  }
  // Pending transfer-out actions ask first; these posts come from the confirmation, as the page's script sends them.
  if (/\/transfer-out\/(cancel|approve|reject)$/.test(path) && form.confirm === undefined) form = { ...form, confirm: 'yes' };
  return s.agent.post(path).type('form').send({ _csrf: s.csrf, ...form });
}

export { DEMO };

/** The world's client as the module's services see them, for tests that call the services directly. */
export function clientPrincipal(world: Pick<OutWorld, 'clientId'>, sessionId = 'service-test'): ClientPrincipal {
  return { kind: 'client', clientId: world.clientId, sessionId };
}

/** Every notification queued so far, oldest first, as the delivery job will hand them to the host. */
export async function queuedNotices(db: TestDatabase): Promise<Array<{ template: string; params: Record<string, string> }>> {
  const payloads: string[] = await db.knex('dt_jobs').where({ type: 'SendNotificationsJob' }).orderBy('id').pluck('payload');
  return payloads.flatMap((payload) => JSON.parse(payload).messages);
}

