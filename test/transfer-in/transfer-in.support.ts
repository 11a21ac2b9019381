import pino from 'pino';
import type { Logger } from 'pino';
import { buildHost, type Host } from '../../host/build-host.ts';
import { csrfOf, DEMO, loginAs, seedDemo, testModuleConfig, TEST_ENV, type Agent } from '../../host/test/host.test-support.ts';
import type { TestDatabase } from '../support/test-database.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { MOCK_ACCESS_KEY, type AlibabaMockApi } from '../support/alibaba-cloud/alibaba-mock.server.ts';

export interface TransferWorld {
  host: Host;
  clock: FakeClock;
  client: Agent;
  csrf: string;
  events: Array<{ name: string; payload: any }>;
}

export const WATCHED_EVENTS = ['domain.transfer.requested', 'domain.transfer.failed', 'domain.transfer.completed', 'domain.transfer.cancelled'];

/** A reference host on the test database, with a fake clock, demo users and the sandbox seeded. */
export async function createTransferWorld(db: TestDatabase, options: { logger?: Logger; config?: Record<string, unknown>; now?: Date } = {}): Promise<TransferWorld> {
  const clock = new FakeClock(options.now ?? '2026-06-01T09:00:00Z');
  const host = buildHost({
    knex: db.knex,
    clock,
    config: { ...testModuleConfig(), ...options.config },
    logger: options.logger ?? pino({ level: 'silent' }),
    env: TEST_ENV,
  });
  await seedDemo(db);
  await host.module.start();
  const events: TransferWorld['events'] = [];
  for (const name of WATCHED_EVENTS) host.bus.on(name, (payload) => void events.push({ name, payload }));
  const client = await loginAs(host, DEMO.client);
  const csrf = await csrfOf(client, '/client/order/domain?action=transfer');
  return { host, clock, client, csrf, events };
}

export function orderTransfer(world: TransferWorld, domain: string, eppCode: string, extra: Record<string, string> = {}) {
  return world.client
    .post('/client/order/domain?action=transfer')
    .type('form')
    .send({ _csrf: world.csrf, domain, eppCode, ...extra });
}

/** Pays the invoice through the client's Pay page, as a person would. */
export async function payInvoice(world: TransferWorld, invoiceUrl: string) {
  const response = await world.client.post(`${invoiceUrl}/pay`).type('form').send({ _csrf: world.csrf });
  if (response.status >= 400) throw new Error(`paying ${invoiceUrl} answered ${response.status}`);
  return response;
}

export async function runJobs(world: TransferWorld): Promise<number> {
  return world.host.module.services.createWorker({ concurrency: 4 }).runUntilIdle();
}

export async function countRows(db: TestDatabase, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = await db.knex(table).where(where).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * Every value in every table of ours, to prove a secret is stored nowhere in plain text. The
 * sandbox's tables are left out: they play the registry, which holds the domain's code.
 */
export async function databaseText(db: TestDatabase): Promise<string> {
  const tables: string[] =
    db.engine === 'sqlite'
      ? (await db.knex.raw(`select name from sqlite_master where type='table'`)).map((r: { name: string }) => r.name)
      : (await db.knex.raw('select table_name as name from information_schema.tables where table_schema = database()'))[0].map((r: { name: string }) => r.name);
  const parts: string[] = [];
  for (const table of tables.filter((t) => !t.startsWith('dt_sandbox_'))) parts.push(JSON.stringify(await db.knex(table).select('*')));
  return parts.join('\n');
}

/**
 * A world whose .cn and .hk domains sit in an Alibaba Cloud account at the local stand-in `api`
 * (.com stays with the sandbox). The access key is in the environment only while the host reads it.
 */
export async function createAlibabaTransferWorld(db: TestDatabase, api: AlibabaMockApi): Promise<TransferWorld> {
  process.env.DT_TEST_ALI_ID = MOCK_ACCESS_KEY.id;
  process.env.DT_TEST_ALI_SECRET = MOCK_ACCESS_KEY.secret;
  try {
    return await createTransferWorld(db, {
      config: {
        registrars: {
          sandbox: { adapter: 'sandbox', options: {} },
          alibaba: {
            adapter: 'alibaba-cloud',
            options: { endpoint: api.endpoint, insecureForTesting: true, accessKeyIdEnv: 'DT_TEST_ALI_ID', accessKeySecretEnv: 'DT_TEST_ALI_SECRET', registrantProfileId: '1234567', taskPollIntervalMs: 5, taskTimeoutMs: 500, retryBaseMs: 5 },
          },
        },
        tldRouting: { com: 'sandbox', cn: 'alibaba', hk: 'alibaba' },
        pricing: { currency: 'USD', transferFee: { com: 1099, cn: 1500, hk: 3000 } },
      },
    });
  } finally {
    delete process.env.DT_TEST_ALI_ID;
    delete process.env.DT_TEST_ALI_SECRET;
  }
}
